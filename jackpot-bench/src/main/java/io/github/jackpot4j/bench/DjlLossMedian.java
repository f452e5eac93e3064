package io.github.jackpot4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.function.DoubleSupplier;

/**
 * {@link DjlLossBenchmark}'s four methods at one shape, timed without JMH: 101 turns after 100 warm-up
 * turns, each turn one call of every method in the same order, three rounds (arguments: shape, then
 * optionally warm-up turns, turns and rounds — fewer for the large shapes) (docs/benchmarks.md). Each
 * call is timed by the calling thread's CPU time — with one PyTorch intra-op and inter-op thread every
 * op runs on the calling thread, so its CPU time is the whole cost (the host loops of the adapter then
 * run on the calling thread too) — and the claim is the median over turns of each method's time over
 * plain PPO's in the same turn. JMH cannot take a
 * shape such as {@code 4,128,4096} on its command line (it splits parameters at commas).
 * <pre>{@code
 * java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
 *     -cp jackpot-bench/target/benchmarks.jar io.github.jackpot4j.bench.DjlLossMedian 4,128,4096
 * }</pre>
 */
public final class DjlLossMedian {
    private DjlLossMedian() {
    }

    /**
     * One round: {@code calls} times, each of {@code methods} once in turn (after {@code warmup} such
     * turns), each call's thread CPU time. Returns per method its median time (ms) and, for all but the
     * last method, the median over turns of its time divided by the last method's time in the same turn —
     * interleaved, so that a slow second of the machine (other tenants, page faults) touches both sides
     * of a ratio alike.
     */
    private static double[][] interleaved(DoubleSupplier[] methods, int warmup, int calls) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < warmup; i++) {
            for (DoubleSupplier m : methods) {
                m.getAsDouble();
            }
        }
        int n = methods.length;
        double[][] cpu = new double[n][calls];
        double[][] ratio = new double[n - 1][calls];
        for (int i = 0; i < calls; i++) {
            for (int j = 0; j < n; j++) {
                long start = mx.getCurrentThreadCpuTime();
                methods[j].getAsDouble();
                cpu[j][i] = (mx.getCurrentThreadCpuTime() - start) / 1e6;
            }
            for (int j = 0; j < n - 1; j++) {
                ratio[j][i] = cpu[j][i] / cpu[n - 1][i];
            }
        }
        double[][] out = new double[2][n];
        for (int j = 0; j < n; j++) {
            out[0][j] = median(cpu[j]);
            if (j < n - 1) {
                out[1][j] = median(ratio[j]);
            }
        }
        return out;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    public static void main(String[] args) {
        DjlLossBenchmark b = new DjlLossBenchmark();
        b.shape = args.length > 0 ? args[0] : "4,128,4096";
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int calls = args.length > 2 ? Integer.parseInt(args[2]) : 101;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        b.setUp();
        try {
            DoubleSupplier[] methods = {b::jackpot, b::jackpotTrusted, b::jackpotTrustedEngineOps, b::plainPpo};
            for (int round = 0; round < rounds; round++) {
                double[][] r = interleaved(methods, round == 0 ? warmup : 0, calls);
                System.out.printf("shape=%s thread CPU ms (median): jackpot=%.2f trusted=%.2f trusted_engine_ops=%.2f"
                        + " plain_ppo=%.2f | median ratio to plain PPO in the same turn: jackpot %.2f trusted %.2f"
                        + " trusted_engine_ops %.2f%n", b.shape, r[0][0], r[0][1], r[0][2], r[0][3], r[1][0], r[1][1],
                        r[1][2]);
            }
        } finally {
            b.tearDown();
        }
    }
}
