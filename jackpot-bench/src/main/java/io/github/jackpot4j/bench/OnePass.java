package io.github.jackpot4j.bench;

import io.github.jackpot4j.core.Target;
import io.github.jackpot4j.core.testing.SyntheticRollouts;

/** A streaming read of every input array of a batch: the memory-bandwidth probe. */
public final class OnePass {
    private OnePass() {
    }

    /** Sums every element of every input (ids included) so the JIT cannot skip a load. */
    public static double read(SyntheticRollouts d) {
        SyntheticRollouts.TopKLists top = d.topK(Target.LATEST);
        float f = 0;
        f += sum(d.responseMask) + sum(d.rolloutLogProbs) + sum(d.oldLogProbs) + sum(d.logProbs) + sum(d.advantages);
        f += sum(top.rolloutLogProbs) + sum(top.targetLogProbs) + sum(top.targetAtRollout) + sum(top.rolloutAtTarget);
        long ids = sum(top.rolloutIds) + sum(top.targetIds);
        return f + ids;
    }

    private static float sum(float[] a) {
        // four accumulators let the loop vectorize and hide the add latency
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < a.length; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < a.length; i++) {
            s0 += a[i];
        }
        return s0 + s1 + s2 + s3;
    }

    private static long sum(int[] a) {
        long s = 0;
        for (int x : a) {
            s += x;
        }
        return s;
    }
}
