package io.github.jackpot4j.examples.demo;

import static io.github.jackpot4j.examples.demo.MismatchSweep.CEILING;
import static io.github.jackpot4j.examples.demo.MismatchSweep.METHODS;
import static io.github.jackpot4j.examples.demo.MismatchSweep.SMOOTH;
import static io.github.jackpot4j.examples.demo.MismatchSweep.trim;

import io.github.jackpot4j.examples.demo.MismatchSweep.Options;
import io.github.jackpot4j.examples.demo.MismatchSweep.Run;
import io.github.jackpot4j.examples.demo.MismatchSweep.Task;

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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How the sweep's runs are run: in this JVM or in worker JVMs, each run's summary kept in a
 * {@code runs/*.run} file (what {@code --replot} reads back) beside its per-step CSV.
 */
final class SweepRuns {
    private SweepRuns() {
    }

    /**
     * Runs every task, in this JVM ({@code --jobs 1}) or in {@code jobs} worker JVMs. Not threads: DJL allows
     * one gradient collector per process at a time (PtGradientCollector), so two runs cannot train in one JVM.
     */
    static List<Run> runAll(Options o, PrintWriter out) throws IOException, InterruptedException {
        List<Task> tasks = MismatchSweep.tasks(o);
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
        List<StepRecord> records = Training.run(MismatchSweep.training(o, t.temperature()), t.steps(), t.method(), t.seed());
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

    /** The policy's reward per step, averaged over a trailing window of {@link MismatchSweep#SMOOTH} steps. */
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
}
