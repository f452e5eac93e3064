package io.github.jackpot4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.function.DoubleSupplier;

/**
 * {@link DjlLossBenchmark}'s three methods at one shape, timed without JMH: the median of 101 calls
 * after 100 warm-up calls, three rounds (arguments: shape, then optionally warm-up calls, calls and
 * rounds — fewer for the large shapes) (docs/benchmarks.md, "Final measurement"), as wall time and as
 * the calling thread's CPU time — with one PyTorch intra-op and inter-op thread every op runs on the
 * calling thread, so its CPU time is the whole cost and holds on a machine shared with other jobs (the
 * host loops of the adapter then run on the calling thread too). JMH cannot take a
 * shape such as {@code 4,128,4096} on its command line (it splits parameters at commas).
 * <pre>{@code
 * java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
 *     -cp jackpot-bench/target/benchmarks.jar io.github.jackpot4j.bench.DjlLossMedian 4,128,4096
 * }</pre>
 */
public final class DjlLossMedian {
    private DjlLossMedian() {
    }

    /** Median wall and thread-CPU milliseconds of {@code calls} calls after {@code warmup} calls. */
    private static double[] medianMs(DoubleSupplier call, int warmup, int calls) {
        for (int i = 0; i < warmup; i++) {
            call.getAsDouble();
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long[] nanos = new long[calls];
        long[] cpu = new long[nanos.length];
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            long cpuStart = mx.getCurrentThreadCpuTime();
            call.getAsDouble();
            cpu[i] = mx.getCurrentThreadCpuTime() - cpuStart;
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        Arrays.sort(cpu);
        return new double[] {nanos[nanos.length / 2] / 1e6, cpu[cpu.length / 2] / 1e6};
    }

    public static void main(String[] args) {
        DjlLossBenchmark b = new DjlLossBenchmark();
        b.shape = args.length > 0 ? args[0] : "4,128,4096";
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int calls = args.length > 2 ? Integer.parseInt(args[2]) : 101;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        b.setUp();
        try {
            for (int round = 0; round < rounds; round++) {
                double[] jackpot = medianMs(b::jackpot, warmup, calls);
                double[] trusted = medianMs(b::jackpotTrusted, warmup, calls);
                double[] ppo = medianMs(b::plainPpo, warmup, calls);
                System.out.printf("shape=%s jackpot_ms=%.2f trusted_ms=%.2f plain_ppo_ms=%.2f | thread CPU: jackpot_ms=%.2f"
                        + " trusted_ms=%.2f plain_ppo_ms=%.2f ratios %.2f / %.2f%n", b.shape, jackpot[0], trusted[0], ppo[0],
                        jackpot[1], trusted[1], ppo[1], jackpot[1] / ppo[1], trusted[1] / ppo[1]);
            }
        } finally {
            b.tearDown();
        }
    }
}
