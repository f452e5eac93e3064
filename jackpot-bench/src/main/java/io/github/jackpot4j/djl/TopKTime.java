package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The target's top-k over the vocabulary on the logits path ({@link DjlTopK}, package-private: hence
 * this package) timed alone, on one thread, with the rollout model's top-k as the hint, as
 * {@code JackpotDjl.policyLoss} calls it with a cached rollout top-k, or without a hint ({@code none}
 * as the fourth argument), as for a rollout model's logits (docs/djl.md, "On the CPU: two host
 * loops"). The policy
 * logits are {@code 2·N(0,1)}, the rollout model's are the policy's plus {@code 0.5·N(0,1)} (as in
 * {@code DjlLossBenchmark}), from a seeded generator; k = 20. Prints the median thread CPU time of
 * one call per round (arguments: shape, calls per round, rounds, {@code hint} or {@code none}).
 * <pre>{@code
 * java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
 *     -cp jackpot-bench/target/benchmarks.jar io.github.jackpot4j.djl.TopKTime 4,128,4096 300 5
 * }</pre>
 */
public final class TopKTime {
    private TopKTime() {
    }

    public static void main(String[] args) {
        String[] p = (args.length > 0 ? args[0] : "4,128,4096").split(",");
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        boolean hinted = args.length <= 3 || !args[3].equals("none");
        int b = Integer.parseInt(p[0]);
        int t = Integer.parseInt(p[1]);
        int v = Integer.parseInt(p[2]);
        int k = 20;
        SplittableRandom random = new SplittableRandom(3);
        float[] policy = new float[b * t * v];
        float[] rollout = new float[policy.length];
        for (int i = 0; i < policy.length; i++) {
            policy[i] = (float) (2 * random.nextGaussian());
            rollout[i] = policy[i] + (float) (0.5 * random.nextGaussian());
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (NDManager manager = NDManager.newBaseManager()) {
            Shape shape = new Shape(b, t, v);
            NDArray logProbs = manager.create(policy, shape).logSoftmax(-1);
            NDArray hint = manager.create(rollout, shape).logSoftmax(-1).topK(k, -1).get(1);
            policy = null;
            rollout = null;
            for (int round = 0; round < rounds; round++) {
                double[] ms = new double[calls];
                for (int call = 0; call < calls; call++) {
                    try (NDManager scope = logProbs.getManager().newSubManager()) {
                        long start = mx.getCurrentThreadCpuTime();
                        DjlTopK.topK(logProbs, k, hinted ? hint : null, 1).attach(scope);
                        ms[call] = (mx.getCurrentThreadCpuTime() - start) / 1e6;
                    }
                }
                Arrays.sort(ms);
                System.out.printf("shape=%d,%d,%d k=%d %s top-k thread CPU ms (median of %d calls): %.3f%n",
                        b, t, v, k, hinted ? "hinted" : "unhinted", calls, ms[calls / 2]);
            }
        }
    }
}
