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
 * min and median milliseconds and their ratio.
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
    }
}
