package io.github.jackpot4j.examples.demo;

import io.github.jackpot4j.examples.cli.Subcommand;
import io.github.jackpot4j.examples.cli.Values;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.LongStream;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jackpot demo}: trains a policy on rollouts of a different, smaller model (or on stale
 * rollouts of itself) with each method and compares them (docs/demo.md).
 */
@Command(name = "demo", header = "train a policy on another model's rollouts: on-policy / off-policy / TIS / Jackpot",
        sortOptions = false, abbreviateSynopsis = true,
        description = {"Trains a small policy on the reverse-the-digits task (docs/demo.md). Scenario 'mismatch'"
            + " (default): every rollout comes from a smaller actor model; methods on-policy (the policy samples its own"
            + " rollouts: the ceiling), off-policy (plain PPO on actor rollouts), tis, no-clip, jackpot (OBRS weights +"
            + " the joint objective that also trains the actor). Scenario 'stale': one large batch of the policy's"
            + " rollouts reused over S small steps; methods ppo, no-clip, jackpot, jackpot-no-clip. Writes a CSV per"
            + " run and PNG charts to --out."},
        footer = "PyTorch runs on 1 intra-op thread unless -Dai.djl.pytorch.num_threads=N is given (reproducible CSVs).")
public final class DecoupledDemo extends Subcommand {

    @Mixin
    RunOptions run = new RunOptions(300, 3, "demo-out");

    @Option(names = "--seed", paramLabel = "S", converter = Values.Whole.class, order = 4,
            description = "a single seed S (instead of --seeds)")
    Long seed;

    @Option(names = "--methods", paramLabel = "METHOD", split = ",", order = 5,
            description = "a subset of the scenario's methods")
    List<String> methods;

    @Mixin
    TrainingOptions training;

    @Option(names = "--markdown", order = 41, description = "print the result table as a markdown table (docs/demo.md)")
    boolean markdown;

    @Override
    public Integer call() throws IOException {
        training.check();
        List<String> allowed = Presets.methods(training.stale());
        if (methods == null) {
            methods = allowed;
        }
        for (String m : methods) {
            if (!allowed.contains(m)) {
                throw usage("method '" + m + "' is not one of " + allowed + " (scenario " + training.scenario + ")");
            }
        }
        long[] seeds = seed != null ? new long[] {seed} : LongStream.rangeClosed(1, run.seeds).toArray();
        Training.oneThreadUnlessSet();
        TinyLm.gcPressure = training.gcPressure;
        try {
            long start = System.nanoTime();
            Files.createDirectories(run.out);
            Map<String, List<List<StepRecord>>> runs = new LinkedHashMap<>();
            for (String method : methods) {
                for (long s : seeds) {
                    List<StepRecord> records = Training.run(training, run.steps, method, s);
                    runs.computeIfAbsent(method, m -> new ArrayList<>()).add(records);
                    StepRecord.writeCsv(run.out.resolve(training.scenario + "-" + method + "-seed" + s + ".csv"), records);
                }
            }
            DemoReport.writeCharts(training.scenario, run.out, runs);
            PrintWriter out = out();
            DemoReport.printTable(training.scenario, run.steps, seeds, markdown, runs, out);
            out.printf(Locale.ROOT, "wrote CSVs and charts to %s in %.1f s%n", run.out, (System.nanoTime() - start) / 1e9);
            return 0;
        } finally {
            TinyLm.gcPressure = false;
        }
    }
}
