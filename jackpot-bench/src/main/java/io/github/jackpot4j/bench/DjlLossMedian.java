package io.github.jackpot4j.bench;

import java.util.Arrays;
import java.util.function.DoubleSupplier;

/**
 * {@link DjlLossBenchmark}'s three methods at one shape, timed without JMH: the median of 101 calls
 * after 100 warm-up calls, three rounds (docs/benchmarks.md, "Final measurement"). JMH cannot take a
 * shape such as {@code 4,128,4096} on its command line (it splits parameters at commas).
 * <pre>{@code
 * java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
 *     -cp jackpot-bench/target/benchmarks.jar io.github.jackpot4j.bench.DjlLossMedian 4,128,4096
 * }</pre>
 */
public final class DjlLossMedian {
    private DjlLossMedian() {
    }

    private static double medianMs(DoubleSupplier call) {
        for (int i = 0; i < 100; i++) {
            call.getAsDouble();
        }
        long[] nanos = new long[101];
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            call.getAsDouble();
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        return nanos[nanos.length / 2] / 1e6;
    }

    public static void main(String[] args) {
        DjlLossBenchmark b = new DjlLossBenchmark();
        b.shape = args.length > 0 ? args[0] : "4,128,4096";
        b.setUp();
        try {
            for (int round = 0; round < 3; round++) {
                System.out.printf("shape=%s jackpot_ms=%.2f trusted_ms=%.2f plain_ppo_ms=%.2f%n", b.shape,
                        medianMs(b::jackpot), medianMs(b::jackpotTrusted), medianMs(b::plainPpo));
            }
        } finally {
            b.tearDown();
        }
    }
}
