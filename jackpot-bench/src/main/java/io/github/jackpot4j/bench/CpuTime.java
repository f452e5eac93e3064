package io.github.jackpot4j.bench;

import io.github.jackpot4j.core.Execution;
import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotResult;
import io.github.jackpot4j.core.testing.SyntheticRollouts;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * Thread CPU time per call of the sequential core and of the one-pass read on the benchmark batch:
 * on a machine shared with other jobs, CPU time of one thread is far less noisy than wall time (a
 * descheduled thread does not accumulate it), so single-thread ratios can be measured while other
 * builds run. {@code java -cp benchmarks.jar io.github.jackpot4j.bench.CpuTime [N k reps]}; prints
 * min and median milliseconds and their ratio, then ({@code par} line) how {@code Execution.parallel()}
 * splits the CPU time between the calling thread and the common pool's workers.
 */
public final class CpuTime {
    private CpuTime() {
    }

    public static void main(String[] args) {
        int tokens = args.length > 0 ? Integer.parseInt(args[0]) : 524_288;
        int k = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        SyntheticRollouts data = SyntheticRollouts.atScale(tokens, k, 42L);
        JackpotBatch batch = data.batch();
        JackpotConfig config = JackpotConfig.builder().topK(k).build();
        JackpotResult out = JackpotResult.allocate(batch.batchSize(), batch.length());
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double sink = 0;
        // warm-up: enough calls of both for C2 to compile the loops
        int warm = Math.max(3, (int) (8_000_000L / tokens));
        for (int i = 0; i < warm; i++) {
            Jackpot.compute(config, batch, null, out, Execution.sequential());
            sink += out.loss() + OnePass.read(data);
        }
        double[] core = new double[reps];
        double[] read = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = mx.getCurrentThreadCpuTime();
            Jackpot.compute(config, batch, null, out, Execution.sequential());
            long t1 = mx.getCurrentThreadCpuTime();
            sink += OnePass.read(data);
            long t2 = mx.getCurrentThreadCpuTime();
            sink += out.loss();
            core[r] = (t1 - t0) / 1e6;
            read[r] = (t2 - t1) / 1e6;
        }
        Arrays.sort(core);
        Arrays.sort(read);
        System.out.printf("cpu N=%d k=%d reps=%d core_min_ms=%.3f core_med_ms=%.3f read_min_ms=%.3f read_med_ms=%.3f"
                + " core_per_token_ns=%.1f ratio_med=%.2f (sink %s)%n", tokens, k, reps, core[0], core[reps / 2], read[0],
                read[reps / 2], core[reps / 2] * 1e6 / tokens, core[reps / 2] / read[reps / 2], sink != 0);
        parallelSplit(config, batch, out, reps, core[reps / 2], mx);
    }

    /**
     * {@code Execution.parallel()}: the thread CPU time the calling thread and each common-pool worker
     * spend per call. On 2 cores the pool has 1 worker and the caller works beside it, so two threads
     * should each carry about half of the sequential CPU time; {@code cpu_speedup} = sequential CPU
     * time / the busiest thread's, the 2-thread speed-up the machine would give if both cores were free.
     */
    private static void parallelSplit(JackpotConfig config, JackpotBatch batch, JackpotResult out, int reps,
                                      double sequentialMs, ThreadMXBean mx) {
        for (int i = 0; i < 3; i++) {
            Jackpot.compute(config, batch, null, out, Execution.parallel());
        }
        java.util.Map<Long, Long> before = new java.util.HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            before.put(id, mx.getThreadCpuTime(id));
        }
        long c0 = mx.getCurrentThreadCpuTime();
        long w0 = System.nanoTime();
        for (int r = 0; r < reps; r++) {
            Jackpot.compute(config, batch, null, out, Execution.parallel());
        }
        double wallMs = (System.nanoTime() - w0) / 1e6 / reps;
        double callerMs = (mx.getCurrentThreadCpuTime() - c0) / 1e6 / reps;
        double busiest = callerMs;
        int workers = 0;
        StringBuilder split = new StringBuilder();
        for (java.lang.management.ThreadInfo ti : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (ti == null || !ti.getThreadName().startsWith("ForkJoinPool.commonPool")) {
                continue;
            }
            long now = mx.getThreadCpuTime(ti.getThreadId());
            double ms = (now - before.getOrDefault(ti.getThreadId(), 0L)) / 1e6 / reps;
            if (ms > 0.01 * callerMs) {
                workers++;
                busiest = Math.max(busiest, ms);
                split.append(String.format(" worker%d_ms=%.3f", workers, ms));
            }
        }
        System.out.printf("par N=%d k=%d processors=%d pool_parallelism=%d busy_workers=%d caller_ms=%.3f%s wall_ms=%.3f"
                + " cpu_speedup=%.2f%n", batch.batchSize() * batch.length(), config.topK(),
                Runtime.getRuntime().availableProcessors(), java.util.concurrent.ForkJoinPool.commonPool().getParallelism(),
                workers, callerMs, split, wallMs, sequentialMs / busiest);
    }
}
