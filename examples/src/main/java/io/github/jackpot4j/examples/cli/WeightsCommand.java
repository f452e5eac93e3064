package io.github.jackpot4j.examples.cli;

import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotResult;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code jackpot weights}: scores a batch dumped from Python with the core and writes the per-token
 * results as .npz and the metrics as JSON (docs/cli.md).
 */
public final class WeightsCommand {
    private WeightsCommand() {
    }

    static final String HELP = String.join("\n",
            "usage: jackpot weights --in BATCH.npz --out RESULT.npz [--metrics METRICS.json] [--set key=value]...",
            "Computes the Jackpot loss of a batch saved with np.savez / np.savez_compressed whose arrays are",
            "named as in MATH.md section 1 (log_probs, old_log_probs, rollout_log_probs, advantages,",
            "response_mask, rollout_topk_ids, ..., optional uniforms) and writes weights, accept_mask,",
            "z_approx, z, per_token_loss, grad_log_probs ([B,T] float32) and loss (scalar).",
            "  --in FILE        the batch (.npz)",
            "  --out FILE       the result (.npz)",
            "  --metrics FILE   also write the metrics as a flat JSON object",
            "  --set key=value  any configuration key of MATH.md section 11, repeatable",
            "                   (jackpot_log_probs_to_keep defaults to the file's k)");

    /** Runs the command; returns the exit status. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        try {
            Args args = Args.parse(argv, Set.of("--in", "--out", "--metrics", "--set"), Set.of());
            if (args.help()) {
                out.println(HELP);
                return 0;
            }
            Path in = Path.of(args.required("--in"));
            Path outFile = Path.of(args.required("--out"));
            Map<String, Object> arrays = NpzBatch.read(in);
            JackpotConfig config = config(args, arrays);
            JackpotBatch batch = NpzBatch.toBatch(in, arrays, config.useJackpot());
            JackpotResult r = Jackpot.compute(config, batch);
            Map<String, float[]> results = new LinkedHashMap<>();
            results.put("weights", r.weights());
            results.put("accept_mask", r.acceptMask());
            results.put("z_approx", r.zApprox());
            results.put("z", r.z());
            results.put("per_token_loss", r.perTokenLoss());
            results.put("grad_log_probs", r.gradLogProbs());
            NpzBatch.write(outFile, batch.batchSize(), batch.length(), results, Map.of("loss", (float) r.loss()));
            if (args.has("--metrics")) {
                Files.writeString(Path.of(args.get("--metrics", null)), json(r.metrics()), StandardCharsets.UTF_8);
            }
            out.printf("loss = %.6f, acceptance = %.4f, kappa = %.4f -> %s%n", r.loss(),
                    r.metrics().get("jackpot/acceptance_rate"), r.kappa(), outFile);
            return 0;
        } catch (Args.UsageException e) {
            err.println("jackpot weights: " + e.getMessage() + " (try --help)");
            return 2;
        } catch (IOException | IllegalArgumentException e) {
            err.println("jackpot weights: " + e.getMessage());
            return 1;
        }
    }

    static JackpotConfig config(Args args, Map<String, Object> arrays) {
        Map<String, Object> settings = args.settings("--set");
        int k = NpzBatch.topK(arrays);
        if (k > 0 && !settings.containsKey("jackpot_log_probs_to_keep")) {
            settings.put("jackpot_log_probs_to_keep", k);
        }
        return JackpotConfig.fromMap(settings);
    }

    /** A flat JSON object of finite numbers. */
    static String json(Map<String, Double> metrics) {
        StringBuilder sb = new StringBuilder("{\n");
        int i = 0;
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            sb.append("  \"").append(e.getKey()).append("\": ").append(e.getValue())
                    .append(++i < metrics.size() ? ",\n" : "\n");
        }
        return sb.append("}\n").toString();
    }
}
