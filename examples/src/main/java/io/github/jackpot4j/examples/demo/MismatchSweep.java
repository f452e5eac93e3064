package io.github.jackpot4j.examples.demo;

import io.github.jackpot4j.examples.cli.Subcommand;
import io.github.jackpot4j.examples.cli.Values;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jackpot sweep}: off-policy, TIS and Jackpot against the actor-policy gap (issue 13; the design
 * is in the command's description and docs/demo.md): its options and the plan of runs, which
 * {@link SweepRuns} runs and {@link SweepReport} reports.
 */
@Command(name = "sweep", header = "off-policy / TIS / Jackpot against a measured actor-policy gap, with 95%% CIs",
        sortOptions = false, abbreviateSynopsis = true,
        description = {"Runs off-policy, tis and jackpot (and on-policy as the ceiling) on the demo's reverse-the-digits"
            + " task at several actor-policy gaps (docs/demo.md). The knob is the actor's sampling temperature T (its"
            + " rollouts and their log-probs come from softmax(logits / T); the actor trains at T = 1); the gap is"
            + " measured as the mean over the run of KL(actor_T || policy) per token. Every method of a level runs the"
            + " same seeds 1..N (same initial weights, warm-up, prompts and draws), so differences are paired over"
            + " seeds. Writes to --out: sweep-runs.csv (one row per run), sweep.md (the tables, also printed),"
            + " sweep-reward.png, runs/*.csv (per step)."},
        footer = "Other settings are the demo's defaults (jackpot demo --help).")
public final class MismatchSweep extends Subcommand {
    /** The actor-rollout methods compared at every level. */
    static final List<String> METHODS = List.of("off-policy", "tis", "jackpot");
    /** The ceiling: the policy samples its own rollouts (at T = 1), so it does not depend on the knob. */
    static final String CEILING = "on-policy";
    static final String MAIN = "main";
    static final String LONG = "long";
    /** Trailing window (steps) of the smoothed reward whose minimum over the last third is reported. */
    static final int SMOOTH = 10;


    @Option(names = "--quick", order = 0,
            description = "CI smoke run: 2 levels (T = 1, 2), 2 seeds, 8 steps, small batches")
    boolean quick;

    @Mixin
    RunOptions run = new RunOptions(120, 10, "sweep-out");

    @Option(names = "--temperatures", paramLabel = "T", split = ",", converter = Values.PositiveNumber.class,
            order = 4, description = "the levels, increasing (default 1,1.5,2,3,5)")
    double[] temperatures = {1, 1.5, 2, 3, 5};

    @Option(names = "--long-factor", paramLabel = "F", converter = Values.Positive.class, order = 5,
            description = "the longer-horizon runs have F x steps (default ${DEFAULT-VALUE})")
    int longFactor = 3;

    @Option(names = "--long-levels", paramLabel = "L", converter = Values.Count.class, order = 6,
            description = "run the longer horizon at the L largest temperatures (default ${DEFAULT-VALUE}; 0 = none)")
    long longLevels = 2;

    @Option(names = "--jobs", paramLabel = "N", converter = Values.Positive.class, order = 7, description = {
        "worker JVMs running the runs in parallel, each on 1 PyTorch intra-op thread (default ${DEFAULT-VALUE};"
            + " 1 = every run in this JVM, one after another)"})
    int jobs = 2;

    @Option(names = "--frozen-actor", order = 8, description = {"no method trains the actor (jackpot is then OBRS"
        + " alone); default: every actor-rollout method trains it with the joint objective (--joint-baselines)"})
    boolean frozenActor;

    @Option(names = "--replot", order = 9, description = {"no runs: rebuild sweep-runs.csv, sweep.md and the chart"
        + " from the runs/*.run files a sweep with the same options left in --out"})
    boolean replot;

    /** This JVM is a worker running the tasks listed in this file. */
    @Option(names = "--worker", hidden = true)
    Path worker;

    /** The sweep's settings. */
    record Options(double[] temperatures, int seeds, int steps, int longFactor, int longLevels, int jobs, Path worker,
                   boolean frozenActor, boolean quick, boolean replot, Path out) {
    }

    /** What one run gives (a row of sweep-runs.csv). */
    record Run(String horizon, int level, double temperature, String method, long seed, int steps, double finalReward,
               double minLastThird, double peak, double meanKlActorPolicy, double finalKlActorPolicy,
               double meanKlPolicyActor, double meanAcceptance, double maxWeight, double seconds) {
        boolean ceiling() {
            return method.equals(CEILING);
        }
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        Options o = options();
        Training.oneThreadUnlessSet(); // per run: the runs are the parallelism
        PrintWriter out = out();
        if (o.worker() != null) {
            return SweepRuns.worker(o, out);
        }
        long start = System.nanoTime();
        Files.createDirectories(o.out().resolve("runs"));
        List<Run> runs = SweepRuns.runAll(o, out);
        double wall = (System.nanoTime() - start) / 1e9;
        Path wallFile = o.out().resolve("runs").resolve("wall-seconds.txt"); // the runs' wall time, kept for --replot
        if (o.replot()) {
            wall = Files.exists(wallFile) ? Double.parseDouble(Files.readString(wallFile).trim()) : Double.NaN;
        } else {
            Files.writeString(wallFile, Double.toString(wall) + "\n", StandardCharsets.UTF_8);
        }
        SweepReport.writeRuns(o.out().resolve("sweep-runs.csv"), runs);
        String tables = SweepReport.tables(o, runs, wall);
        Files.writeString(o.out().resolve("sweep.md"), tables, StandardCharsets.UTF_8);
        SweepReport.writeChart(o, runs);
        out.println();
        out.print(tables);
        out.printf(Locale.ROOT, "wrote %s (sweep-runs.csv, sweep.md, sweep-reward.png, runs/) in %.1f s%n", o.out(),
                (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** The options, with the defaults of --quick where none is given, checked against each other. */
    Options options() {
        var given = spec.commandLine().getParseResult();
        if (quick) { // the defaults of --quick; explicit options still override them
            temperatures = given.hasMatchedOption("--temperatures") ? temperatures : new double[] {1, 2};
            run.seeds = given.hasMatchedOption("--seeds") ? run.seeds : 2;
            run.steps = given.hasMatchedOption("--steps") ? run.steps : 8;
            longLevels = given.hasMatchedOption("--long-levels") ? longLevels : 1;
        }
        for (int i = 1; i < temperatures.length; i++) {
            if (!(temperatures[i] > temperatures[i - 1])) {
                throw usage("--temperatures must be increasing: "
                        + Arrays.toString(temperatures));
            }
        }
        if (longLevels > temperatures.length) {
            throw usage("--long-levels = " + longLevels + " exceeds the "
                    + temperatures.length + " levels");
        }
        if (run.steps < 5) {
            throw usage("--steps must be >= 5 (the final reward is the mean of"
                    + " the last fifth)");
        }
        return new Options(temperatures, run.seeds, run.steps, longFactor, (int) longLevels, jobs, worker, frozenActor,
                quick, replot, run.out);
    }

    /** The training settings of one run of the sweep: the demo's defaults, the level's temperature. */
    static TrainingOptions training(Options o, double temperature) {
        TrainingOptions d = new TrainingOptions();
        d.actorTemperature = temperature;
        d.jointBaselines = !o.frozenActor();
        d.frozenActor = o.frozenActor();
        d.noProgress = true;
        if (o.quick()) { // small batches and warm-ups: the smoke test checks the plumbing, not the science
            d.prompts = 4;
            d.group = 2;
            d.warmupActor = 6;
            d.warmupPolicy = 2;
        }
        return d;
    }

    /** One unit of work: one run. */
    record Task(String horizon, int level, double temperature, String method, long seed, int steps) {
        String file() {
            return String.format(Locale.ROOT, "%s-%s-%s-seed%d.csv", horizon,
                    level < 0 ? "ceiling" : "T" + trim(temperature), method, seed);
        }

        String line() {
            return String.join(",", horizon, Integer.toString(level), Double.toString(temperature), method,
                    Long.toString(seed), Integer.toString(steps));
        }

        static Task parse(String line) {
            String[] c = line.trim().split(",");
            return new Task(c[0], Integer.parseInt(c[1]), Double.parseDouble(c[2]), c[3], Long.parseLong(c[4]),
                    Integer.parseInt(c[5]));
        }
    }

    /** Every run of the sweep: the long runs first (a worker then ends on short ones and idles less). */
    static List<Task> tasks(Options o) {
        List<Task> tasks = new ArrayList<>();
        int n = o.temperatures().length;
        if (o.longLevels() > 0) {
            addTasks(tasks, o, LONG, n - o.longLevels(), o.steps() * o.longFactor());
        }
        addTasks(tasks, o, MAIN, 0, o.steps());
        return tasks;
    }

    /** Every method and seed at the levels from {@code fromLevel} up, then the ceiling's seeds. */
    private static void addTasks(List<Task> tasks, Options o, String horizon, int fromLevel, int steps) {
        for (int level = fromLevel; level < o.temperatures().length; level++) {
            for (String m : METHODS) {
                for (long s = 1; s <= o.seeds(); s++) {
                    tasks.add(new Task(horizon, level, o.temperatures()[level], m, s, steps));
                }
            }
        }
        for (long s = 1; s <= o.seeds(); s++) {
            tasks.add(new Task(horizon, -1, 1.0, CEILING, s, steps));
        }
    }

    static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
