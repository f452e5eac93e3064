package io.github.jackpot4j.examples.demo;

import io.github.jackpot4j.examples.cli.HelpOption;
import io.github.jackpot4j.examples.cli.Values;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code jackpot sweep}: off-policy, TIS and Jackpot against the actor-policy gap (issue 13). The knob
 * is the actor's sampling temperature T: the actor samples from softmax(logits / T) and reports those
 * log-probs, as an inference engine at temperature T would, while its own training (the joint
 * objective) stays at T = 1. The gap is measured, not assumed: every step records KL(actor_T ‖ policy)
 * on the batch's tokens, and the sweep reports its mean over the run. Every actor-rollout method gives
 * the actor the same treatment (by default all train it with the joint objective, as the paper's
 * "TIS + Reverse KL" baseline does; {@code --frozen-actor}: none does), and every method of a cell
 * runs the same seeds, so the same initial weights, warm-up, prompts and random draws (docs/demo.md).
 */
@Command(name = "sweep", header = "off-policy / TIS / Jackpot against a measured actor-policy gap, with 95%% CIs",
        sortOptions = false, abbreviateSynopsis = true, defaultValueProvider = MismatchSweep.Defaults.class,
        description = {"Runs off-policy, tis and jackpot (and on-policy as the ceiling) on the demo's reverse-the-digits"
            + " task at several actor-policy gaps (docs/demo.md). The knob is the actor's sampling temperature T (its"
            + " rollouts and their log-probs come from softmax(logits / T); the actor trains at T = 1); the gap is"
            + " measured as the mean over the run of KL(actor_T || policy) per token. Every method of a level runs the"
            + " same seeds 1..N (same initial weights, warm-up, prompts and draws), so differences are paired over"
            + " seeds. Writes to --out: sweep-runs.csv (one row per run), sweep.md (the tables, also printed),"
            + " sweep-reward.png, runs/*.csv (per step)."},
        footer = "Other settings are the demo's defaults (jackpot demo --help).")
public final class MismatchSweep implements Callable<Integer> {
    /** The actor-rollout methods compared at every level. */
    static final List<String> METHODS = List.of("off-policy", "tis", "jackpot");
    /** The ceiling: the policy samples its own rollouts (at T = 1), so it does not depend on the knob. */
    static final String CEILING = "on-policy";
    static final String MAIN = "main";
    static final String LONG = "long";
    /** Trailing window (steps) of the smoothed reward whose minimum over the last third is reported. */
    static final int SMOOTH = 10;

    /** The sweep's defaults of the options it shares with the demo. */
    static final class Defaults extends RunOptions.Defaults {
        Defaults() {
            super(120, 10, "sweep-out");
        }
    }

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--quick", order = 0,
            description = "CI smoke run: 2 levels (T = 1, 2), 2 seeds, 8 steps, small batches")
    boolean quick;

    @Mixin
    RunOptions run;

    @Option(names = "--temperatures", paramLabel = "T1,T2", split = ",", converter = Values.PositiveNumber.class,
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
        PrintWriter out = spec.commandLine().getOut();
        if (o.worker() != null) {
            return worker(o, out);
        }
        long start = System.nanoTime();
        Files.createDirectories(o.out().resolve("runs"));
        List<Run> runs = runAll(o, out);
        double wall = (System.nanoTime() - start) / 1e9;
        Path wallFile = o.out().resolve("runs").resolve("wall-seconds.txt"); // the runs' wall time, kept for --replot
        if (o.replot()) {
            wall = Files.exists(wallFile) ? Double.parseDouble(Files.readString(wallFile).trim()) : Double.NaN;
        } else {
            Files.writeString(wallFile, Double.toString(wall) + "\n", StandardCharsets.UTF_8);
        }
        writeRuns(o.out().resolve("sweep-runs.csv"), runs);
        String tables = tables(o, runs, wall);
        Files.writeString(o.out().resolve("sweep.md"), tables, StandardCharsets.UTF_8);
        writeChart(o, runs);
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
                throw new ParameterException(spec.commandLine(), "--temperatures must be increasing: "
                        + Arrays.toString(temperatures));
            }
        }
        if (longLevels > temperatures.length) {
            throw new ParameterException(spec.commandLine(), "--long-levels = " + longLevels + " exceeds the "
                    + temperatures.length + " levels");
        }
        if (run.steps < 5) {
            throw new ParameterException(spec.commandLine(), "--steps must be >= 5 (the final reward is the mean of"
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
        int longSteps = o.steps() * o.longFactor();
        int n = o.temperatures().length;
        if (o.longLevels() > 0) {
            for (int level = n - o.longLevels(); level < n; level++) {
                for (String m : METHODS) {
                    for (long s = 1; s <= o.seeds(); s++) {
                        tasks.add(new Task(LONG, level, o.temperatures()[level], m, s, longSteps));
                    }
                }
            }
            for (long s = 1; s <= o.seeds(); s++) {
                tasks.add(new Task(LONG, -1, 1.0, CEILING, s, longSteps));
            }
        }
        for (int level = 0; level < n; level++) {
            for (String m : METHODS) {
                for (long s = 1; s <= o.seeds(); s++) {
                    tasks.add(new Task(MAIN, level, o.temperatures()[level], m, s, o.steps()));
                }
            }
        }
        for (long s = 1; s <= o.seeds(); s++) {
            tasks.add(new Task(MAIN, -1, 1.0, CEILING, s, o.steps()));
        }
        return tasks;
    }

    /**
     * Runs every task, in this JVM ({@code --jobs 1}) or in {@code jobs} worker JVMs. Not threads: DJL allows
     * one gradient collector per process at a time (PtGradientCollector), so two runs cannot train in one JVM.
     */
    static List<Run> runAll(Options o, PrintWriter out) throws IOException, InterruptedException {
        List<Task> tasks = tasks(o);
        out.printf(Locale.ROOT, "jackpot sweep: %d runs (%d levels x %d methods x %d seeds + on-policy; %d steps, long horizon"
                + " %d steps at %d levels), %d jobs, actor %s%n", tasks.size(), o.temperatures().length, METHODS.size(),
                o.seeds(), o.steps(), o.steps() * o.longFactor(), o.longLevels(), o.jobs(),
                o.frozenActor() ? "frozen for every method" : "trained jointly by every method");
        long start = System.nanoTime();
        AtomicInteger done = new AtomicInteger();
        java.util.function.Consumer<String> progress = line -> {
            synchronized (out) {
                out.printf(Locale.ROOT, "[%3d/%d %6.0f s] %s%n", done.incrementAndGet(), tasks.size(),
                        (System.nanoTime() - start) / 1e9, line);
            }
        };
        if (o.replot()) {
            out.println("--replot: reading the runs of " + o.out().resolve("runs"));
        } else if (o.jobs() == 1) {
            for (Task t : tasks) {
                progress.accept(describe(t, runAndStore(o, t)));
            }
        } else {
            runWorkers(o, tasks, progress, out);
        }
        List<Run> runs = new ArrayList<>();
        for (Task t : tasks) {
            runs.add(readRun(o.out().resolve("runs").resolve(t.file() + ".run")));
        }
        return runs;
    }

    private static void runWorkers(Options o, List<Task> tasks, java.util.function.Consumer<String> progress,
                                   PrintWriter out) throws IOException, InterruptedException {
        // longest-processing-time-first: each task (long ones first) to the worker with the fewest steps so far
        List<List<Task>> parts = new ArrayList<>();
        long[] load = new long[o.jobs()];
        for (int j = 0; j < o.jobs(); j++) {
            parts.add(new ArrayList<>());
        }
        List<Task> bySize = new ArrayList<>(tasks);
        bySize.sort(Comparator.comparingInt(Task::steps).reversed());
        for (Task t : bySize) {
            int j = 0;
            for (int i = 1; i < o.jobs(); i++) {
                if (load[i] < load[j]) {
                    j = i;
                }
            }
            parts.get(j).add(t);
            load[j] += t.steps();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        Thread stopWorkers = new Thread(() -> processes.forEach(Process::destroy)); // on Ctrl-C or kill
        Runtime.getRuntime().addShutdownHook(stopWorkers);
        try {
            for (int j = 0; j < o.jobs(); j++) {
                if (parts.get(j).isEmpty()) {
                    continue;
                }
                Path list = o.out().resolve("runs").resolve("worker-" + (j + 1) + ".tasks");
                try (Writer w = Files.newBufferedWriter(list, StandardCharsets.UTF_8)) {
                    for (Task t : parts.get(j)) {
                        w.write(t.line() + "\n");
                    }
                }
                List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                        "-XX:+UseSerialGC", "-Djava.awt.headless=true", "-Dai.djl.offline=true",
                        "-D" + Training.THREADS_PROPERTY + "=" + System.getProperty(Training.THREADS_PROPERTY),
                        "io.github.jackpot4j.examples.JackpotCommand", "sweep", "--worker", list.toString(),
                        "--out", o.out().toString()));
                if (o.quick()) {
                    cmd.add("--quick");
                }
                if (o.frozenActor()) {
                    cmd.add("--frozen-actor");
                }
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                processes.add(p);
                int worker = j + 1;
                Thread reader = new Thread(() -> {
                    try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                            StandardCharsets.UTF_8))) {
                        for (String line; (line = in.readLine()) != null; ) {
                            if (line.startsWith(DONE)) {
                                progress.accept(line.substring(DONE.length()));
                            } else {
                                synchronized (out) {
                                    out.println("worker " + worker + ": " + line);
                                }
                            }
                        }
                    } catch (IOException e) {
                        synchronized (out) {
                            out.println("worker " + worker + ": " + e);
                        }
                    }
                }, "sweep-worker-" + worker);
                reader.start();
                readers.add(reader);
            }
            for (int i = 0; i < processes.size(); i++) {
                int status = processes.get(i).waitFor();
                readers.get(i).join();
                if (status != 0) {
                    throw new IOException("a worker JVM exited with status " + status + " (its output is above)");
                }
            }
        } finally {
            for (Process p : processes) {
                if (p.isAlive()) {
                    p.destroy();
                }
            }
            try {
                Runtime.getRuntime().removeShutdownHook(stopWorkers);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs
            }
        }
    }

    static final String DONE = "DONE ";

    /** Worker mode: runs the tasks of the file one after another; the parent reads the .run files. */
    static int worker(Options o, PrintWriter out) throws IOException {
        // a worker outlives nothing: when the sweep's JVM ends (killed or not), so does the worker
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
        for (String line : Files.readAllLines(o.worker(), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                Task t = Task.parse(line);
                out.println(DONE + describe(t, runAndStore(o, t)));
                out.flush();
            }
        }
        return 0;
    }

    private static String describe(Task t, Run r) {
        return String.format(Locale.ROOT, "%-4s T=%-4s %-10s seed %2d: final reward %.3f, mean KL(a||p) %s (%.1f s)",
                t.horizon(), t.level() < 0 ? "-" : trim(t.temperature()), t.method(), t.seed(), r.finalReward(),
                r.ceiling() ? "-" : String.format(Locale.ROOT, "%.3f", r.meanKlActorPolicy()), r.seconds());
    }

    private static Run runAndStore(Options o, Task t) throws IOException {
        Run r = runTask(o, t);
        Path file = o.out().resolve("runs").resolve(t.file() + ".run");
        Files.writeString(file, String.join(",", r.horizon(), Integer.toString(r.level()), Double.toString(r.temperature()),
                r.method(), Long.toString(r.seed()), Integer.toString(r.steps()), Double.toString(r.finalReward()),
                Double.toString(r.minLastThird()), Double.toString(r.peak()), Double.toString(r.meanKlActorPolicy()),
                Double.toString(r.finalKlActorPolicy()), Double.toString(r.meanKlPolicyActor()),
                Double.toString(r.meanAcceptance()), Double.toString(r.maxWeight()), Double.toString(r.seconds())) + "\n",
                StandardCharsets.UTF_8);
        return r;
    }

    private static Run readRun(Path file) throws IOException {
        String[] c = Files.readString(file, StandardCharsets.UTF_8).trim().split(",");
        double[] d = new double[9];
        for (int i = 0; i < d.length; i++) {
            d[i] = Double.parseDouble(c[6 + i]);
        }
        return new Run(c[0], Integer.parseInt(c[1]), Double.parseDouble(c[2]), c[3], Long.parseLong(c[4]),
                Integer.parseInt(c[5]), d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]);
    }

    private static Run runTask(Options o, Task t) throws IOException {
        long start = System.nanoTime();
        List<StepRecord> records = Training.run(training(o, t.temperature()), t.steps(), t.method(), t.seed());
        double seconds = (System.nanoTime() - start) / 1e9;
        StepRecord.writeCsv(o.out().resolve("runs").resolve(t.file()), records);
        double[] smooth = smoothed(records);
        double minLast = Double.POSITIVE_INFINITY;
        for (int i = records.size() - Math.max(1, records.size() / 3); i < records.size(); i++) {
            minLast = Math.min(minLast, smooth[i]);
        }
        double peak = Arrays.stream(smooth).max().orElse(Double.NaN);
        boolean ceiling = t.method().equals(CEILING);
        double klAp = ceiling ? Double.NaN : records.stream().mapToDouble(StepRecord::klActorPolicy).average()
                .orElse(Double.NaN);
        double klPa = ceiling ? Double.NaN : records.stream().mapToDouble(StepRecord::klPolicyActor).average()
                .orElse(Double.NaN);
        double finalKl = ceiling ? Double.NaN : records.get(records.size() - 1).klActorPolicy();
        return new Run(t.horizon(), t.level(), t.temperature(), t.method(), t.seed(), t.steps(),
                StepRecord.finalReward(records), minLast, peak, klAp, finalKl, klPa,
                records.stream().mapToDouble(StepRecord::acceptance).average().orElse(1),
                records.stream().mapToDouble(StepRecord::weightMax).max().orElse(1), seconds);
    }

    /** The policy's reward per step, averaged over a trailing window of {@link #SMOOTH} steps. */
    static double[] smoothed(List<StepRecord> records) {
        double[] s = new double[records.size()];
        double sum = 0;
        for (int i = 0; i < s.length; i++) {
            sum += records.get(i).reward();
            if (i >= SMOOTH) {
                sum -= records.get(i - SMOOTH).reward();
            }
            s[i] = sum / Math.min(i + 1, SMOOTH);
        }
        return s;
    }

    static void writeRuns(Path file, List<Run> runs) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("horizon,level,temperature,method,seed,steps,final_reward,min_last_third_reward,peak_reward,"
                    + "mean_kl_actor_policy,final_kl_actor_policy,mean_kl_policy_actor,mean_acceptance,max_weight,seconds\n");
            for (Run r : runs) {
                w.write(String.format(Locale.ROOT, "%s,%s,%s,%s,%d,%d,%.6f,%.6f,%.6f,%s,%s,%s,%.6f,%.6f,%.2f%n",
                        r.horizon(), r.level() < 0 ? "ceiling" : Integer.toString(r.level() + 1),
                        r.level() < 0 ? "" : trim(r.temperature()), r.method(), r.seed(), r.steps(), r.finalReward(),
                        r.minLastThird(), r.peak(), cell(r.meanKlActorPolicy()), cell(r.finalKlActorPolicy()),
                        cell(r.meanKlPolicyActor()), r.meanAcceptance(), r.maxWeight(), r.seconds()));
            }
        }
    }

    private static String cell(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    // ---------------------------------------------------------------- statistics

    /** Mean and the half-width of the 95% t-interval of the mean (0 for a single value). */
    record Interval(double mean, double half, int n) {
        double lo() {
            return mean - half;
        }

        double hi() {
            return mean + half;
        }

        String text(String fmt) {
            return String.format(Locale.ROOT, fmt + " [" + fmt + ", " + fmt + "]", mean, lo(), hi());
        }
    }

    static Interval interval(double[] v) {
        int n = v.length;
        double mean = Arrays.stream(v).average().orElse(Double.NaN);
        if (n < 2) {
            return new Interval(mean, 0, n);
        }
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        double sd = Math.sqrt(ss / (n - 1));
        return new Interval(mean, tQuantile975(n - 1) * sd / Math.sqrt(n), n);
    }

    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201,
        2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052,
        2.048, 2.045, 2.042};

    /** The 0.975 quantile of Student's t with {@code df} degrees of freedom (table; Cornish-Fisher above 30). */
    static double tQuantile975(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("df = " + df);
        }
        if (df <= T975.length) {
            return T975[df - 1];
        }
        double z = 1.959964;
        double z3 = z * z * z;
        double z5 = z3 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
    }

    // ---------------------------------------------------------------- tables

    private static List<Run> select(List<Run> runs, String horizon, int level, String method) {
        List<Run> out = new ArrayList<>();
        for (Run r : runs) {
            if (r.horizon().equals(horizon) && r.method().equals(method) && (r.ceiling() || r.level() == level)) {
                out.add(r);
            }
        }
        out.sort(Comparator.comparingLong(Run::seed));
        return out;
    }

    private static double[] values(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
        return runs.stream().mapToDouble(f).toArray();
    }

    /** Per-seed differences a − b of a quantity (the runs of a and b are sorted by seed and paired). */
    static double[] paired(List<Run> a, List<Run> b, java.util.function.ToDoubleFunction<Run> f) {
        if (a.size() != b.size()) {
            throw new IllegalStateException("unpaired runs: " + a.size() + " vs " + b.size());
        }
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) {
            if (a.get(i).seed() != b.get(i).seed()) {
                throw new IllegalStateException("unpaired seeds " + a.get(i).seed() + " and " + b.get(i).seed());
            }
            d[i] = f.applyAsDouble(a.get(i)) - f.applyAsDouble(b.get(i));
        }
        return d;
    }

    static String verdict(Interval d, String a, String b) {
        if (d.lo() > 0) {
            return a + " ahead";
        }
        if (d.hi() < 0) {
            return b + " ahead";
        }
        return "tie (CI covers 0)";
    }

    /** The markdown report: measured gaps and rewards, paired differences, the longer horizon. */
    static String tables(Options o, List<Run> runs, double wallSeconds) {
        StringBuilder sb = new StringBuilder();
        int n = o.temperatures().length;
        sb.append(String.format(Locale.ROOT, "# jackpot sweep%n%n%d levels of the actor's sampling temperature T, seeds 1-%d"
                + " per method and level (paired), %d steps; actor %s; final reward = the policy's own mean reward over"
                + " the last 20%% of steps; [lo, hi] = 95%% t-interval over seeds; KL(a‖p) = KL(actor_T ‖ policy) per"
                + " token on the batch, mean over the run's steps. Wall time of the runs %s s with %d parallel jobs.%n%n",
                n, o.seeds(),
                o.steps(), o.frozenActor() ? "frozen for every method" : "trained jointly (actor PPO + λ_distill·KL) by every"
                        + " actor-rollout method", Double.isNaN(wallSeconds) ? "unknown"
                        : String.format(Locale.ROOT, "%.0f", wallSeconds), o.jobs()));

        Interval ceiling = interval(values(select(runs, MAIN, -1, CEILING), Run::finalReward));
        sb.append(String.format(Locale.ROOT, "On-policy ceiling (the policy samples its own rollouts; the same at every"
                + " level): %s.%n%n", ceiling.text("%.3f")));
        sb.append("## Measured gap and final reward per level\n\n");
        sb.append("| level | T | KL(a‖p) off-policy | KL(a‖p) tis | KL(a‖p) jackpot | off-policy | tis | jackpot |"
                + " jackpot acceptance |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int level = 0; level < n; level++) {
            sb.append(String.format(Locale.ROOT, "| %d | %s |", level + 1, trim(o.temperatures()[level])));
            for (String m : METHODS) {
                sb.append(' ').append(interval(values(select(runs, MAIN, level, m), Run::meanKlActorPolicy))
                        .text("%.2f")).append(" |");
            }
            for (String m : METHODS) {
                sb.append(' ').append(interval(values(select(runs, MAIN, level, m), Run::finalReward)).text("%.3f"))
                        .append(" |");
            }
            sb.append(String.format(Locale.ROOT, " %.2f |%n", interval(values(select(runs, MAIN, level, "jackpot"),
                    Run::meanAcceptance)).mean()));
        }

        sb.append("\n## Paired differences of the final reward (same seeds)\n\n");
        sb.append("| level | T | mean KL(a‖p) | jackpot − tis | | jackpot − off-policy | | tis − off-policy |\n");
        sb.append("|---:|---:|---:|---:|---|---:|---|---:|\n");
        for (int level = 0; level < n; level++) {
            List<Run> off = select(runs, MAIN, level, "off-policy");
            List<Run> tis = select(runs, MAIN, level, "tis");
            List<Run> jp = select(runs, MAIN, level, "jackpot");
            List<Run> all = new ArrayList<>(off);
            all.addAll(tis);
            all.addAll(jp);
            Interval jt = interval(paired(jp, tis, Run::finalReward));
            Interval jo = interval(paired(jp, off, Run::finalReward));
            Interval to = interval(paired(tis, off, Run::finalReward));
            sb.append(String.format(Locale.ROOT, "| %d | %s | %.2f | %s | %s | %s | %s | %s |%n", level + 1,
                    trim(o.temperatures()[level]), interval(values(all, Run::meanKlActorPolicy)).mean(), jt.text("%+.3f"),
                    verdict(jt, "jackpot", "tis"), jo.text("%+.3f"), verdict(jo, "jackpot", "off-policy"),
                    to.text("%+.3f")));
        }

        if (o.longLevels() > 0) {
            int longSteps = o.steps() * o.longFactor();
            Interval longCeiling = interval(values(select(runs, LONG, -1, CEILING), Run::finalReward));
            sb.append(String.format(Locale.ROOT, "%n## Longer horizon: %d steps (%d×) at the %d largest gaps%n%n"
                    + "Does a method collapse late? final = mean reward of the last 20%%; min last third = the lowest"
                    + " %d-step trailing mean in the last third of the run; drop = peak − final of that smoothed curve."
                    + " On-policy ceiling at %d steps: %s.%n%n", longSteps, o.longFactor(), o.longLevels(), SMOOTH, longSteps,
                    longCeiling.text("%.3f")));
            sb.append("| T | method | mean KL(a‖p) | final | min last third | drop (peak − final) | main-horizon final |\n");
            sb.append("|---:|---|---:|---:|---:|---:|---:|\n");
            for (int level = n - o.longLevels(); level < n; level++) {
                for (String m : METHODS) {
                    List<Run> l = select(runs, LONG, level, m);
                    sb.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %s | %s | %s | %.3f |%n",
                            trim(o.temperatures()[level]), m, interval(values(l, Run::meanKlActorPolicy)).mean(),
                            interval(values(l, Run::finalReward)).text("%.3f"),
                            interval(values(l, Run::minLastThird)).text("%.3f"),
                            interval(values(l, r -> r.peak() - r.finalReward())).text("%.3f"),
                            interval(values(select(runs, MAIN, level, m), Run::finalReward)).mean()));
                }
            }
            sb.append("\n| T | jackpot − tis, final | | jackpot − tis, min last third | | jackpot − off-policy, final |\n");
            sb.append("|---:|---:|---|---:|---|---:|\n");
            for (int level = n - o.longLevels(); level < n; level++) {
                List<Run> tis = select(runs, LONG, level, "tis");
                List<Run> jp = select(runs, LONG, level, "jackpot");
                List<Run> off = select(runs, LONG, level, "off-policy");
                Interval f = interval(paired(jp, tis, Run::finalReward));
                Interval mn = interval(paired(jp, tis, Run::minLastThird));
                Interval fo = interval(paired(jp, off, Run::finalReward));
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", trim(o.temperatures()[level]),
                        f.text("%+.3f"), verdict(f, "jackpot", "tis"), mn.text("%+.3f"), verdict(mn, "jackpot", "tis"),
                        fo.text("%+.3f")));
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- chart

    static void writeChart(Options o, List<Run> runs) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("Final reward vs measured actor-policy gap (" + o.seeds() + " seeds, " + o.steps() + " steps, 95% CI)")
                .xAxisTitle("measured gap: mean KL(actor_T || policy) over the run, nats/token")
                .yAxisTitle("final reward of the policy").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        int n = o.temperatures().length;
        for (String m : METHODS) {
            double[] x = new double[n];
            double[] y = new double[n];
            double[] e = new double[n];
            for (int level = 0; level < n; level++) {
                List<Run> r = select(runs, MAIN, level, m);
                x[level] = interval(values(r, Run::meanKlActorPolicy)).mean();
                Interval reward = interval(values(r, Run::finalReward));
                y[level] = reward.mean();
                e[level] = reward.half();
                minX = Math.min(minX, x[level]);
                maxX = Math.max(maxX, x[level]);
            }
            // points in order of the measured gap, so the line does not zigzag if a level's gap is out of order
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingDouble(i -> x[i]));
            double[] xs = new double[n];
            double[] ys = new double[n];
            double[] es = new double[n];
            for (int i = 0; i < n; i++) {
                xs[i] = x[order[i]];
                ys[i] = y[order[i]];
                es[i] = e[order[i]];
            }
            chart.addSeries(m, xs, ys, es).setMarker(SeriesMarkers.CIRCLE);
        }
        Interval ceiling = interval(values(select(runs, MAIN, -1, CEILING), Run::finalReward));
        double[] span = {minX, maxX};
        XYSeries c = chart.addSeries(String.format(Locale.ROOT, "on-policy ceiling %.3f", ceiling.mean()), span,
                new double[] {ceiling.mean(), ceiling.mean()});
        c.setMarker(SeriesMarkers.NONE);
        c.setLineColor(java.awt.Color.BLACK);
        String[] names = {"on-policy 95% CI (dashed)", "on-policy CI high"};
        double[] bounds = {ceiling.lo(), ceiling.hi()};
        for (int i = 0; i < 2; i++) {
            XYSeries b = chart.addSeries(names[i], span, new double[] {bounds[i], bounds[i]});
            b.setShowInLegend(i == 0);
            b.setMarker(SeriesMarkers.NONE);
            b.setLineStyle(SeriesLines.DASH_DASH);
            b.setLineColor(java.awt.Color.GRAY);
        }
        BitmapEncoder.saveBitmap(chart, o.out().resolve("sweep-reward").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
