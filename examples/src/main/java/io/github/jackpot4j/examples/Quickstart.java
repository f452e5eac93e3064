package io.github.jackpot4j.examples;

import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotResult;
import io.github.jackpot4j.core.testing.SyntheticRollouts;
import io.github.jackpot4j.examples.cli.Subcommand;

import java.io.PrintWriter;
import java.util.Map;

import picocli.CommandLine.Command;

/**
 * A built-in batch where a rollout model and a policy disagree, scored with the default
 * configuration: the smallest complete use of the core API.
 */
@Command(name = "quickstart",
        header = "compute the Jackpot loss of a small built-in batch and print it (the default command)",
        description = "Scores a built-in batch (B=4 sequences, T=6 tokens, V=50, k=5) with the default configuration"
            + " and prints the loss, the per-token weights and the metrics.")
final class Quickstart extends Subcommand {
    @Override
    public Integer call() {
        return run(out());
    }

    static int run(PrintWriter out) {
        int batchSize = 4;
        int length = 6;
        int vocab = 50;
        int k = 5;
        SyntheticRollouts data = SyntheticRollouts.builder().batchSize(batchSize).length(length).vocabSize(vocab)
                .topK(k).logitScale(2.0).mismatch(1.5).seed(7).build();
        JackpotConfig config = JackpotConfig.builder().topK(k).lambda(1.0).build();
        JackpotBatch batch = data.batch();
        JackpotResult r = Jackpot.compute(config, batch);

        out.println("Jackpot loss of a built-in batch: B=" + batchSize + ", T=" + length + ", V=" + vocab + ", k=" + k);
        out.println("config: " + config.toMap());
        out.printf("loss = %.6f%n", r.loss());
        out.println("per-token weights rho (0 = padding), accept mask:");
        for (int b = 0; b < batchSize; b++) {
            StringBuilder w = new StringBuilder();
            StringBuilder m = new StringBuilder();
            for (int i = 0; i < length; i++) {
                w.append(String.format("%7.3f", r.weights()[b * length + i]));
                m.append(r.acceptMask()[b * length + i] == 1f ? " 1" : " 0");
            }
            out.println("  seq " + b + ":" + w + "   mask:" + m);
        }
        out.println("metrics:");
        for (Map.Entry<String, Double> e : r.metrics().entrySet()) {
            out.printf("  %-28s %.6f%n", e.getKey(), e.getValue());
        }
        return 0;
    }
}
