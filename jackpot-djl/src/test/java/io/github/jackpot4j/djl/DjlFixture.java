package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.JackpotBatch;

import java.util.SplittableRandom;

/**
 * A generated batch held twice: as NDArrays for the adapter and as the float arrays the core reads,
 * with every core input derived from the very arrays the adapter sees (the policy's log-softmax, its
 * top-k as the engine orders it), so the two paths compute on identical numbers.
 */
final class DjlFixture {
    final int b;
    final int t;
    final int v;
    final int k;
    final float[] policyLogits;
    final float[] rolloutLogits;
    final int[] tokens;
    final float[] mask;
    final float[] advantages;
    final float[] oldLogProbs;
    // rollout side (cached, as an inference engine would report it)
    final float[] rolloutLogProbs;
    final long[] rolloutTopIds;
    final float[] rolloutTopLogProbs;
    // target side, read back from the engine
    float[] logProbs;
    long[] targetTopIds;
    float[] targetTopLogProbs;
    float[] targetAtRollout;

    DjlFixture(long seed, int b, int t, int v, int k, double mismatch) {
        this.b = b;
        this.t = t;
        this.v = v;
        this.k = k;
        SplittableRandom rng = new SplittableRandom(seed);
        int n = b * t;
        policyLogits = new float[n * v];
        rolloutLogits = new float[n * v];
        tokens = new int[n];
        mask = new float[n];
        advantages = new float[n];
        oldLogProbs = new float[n];
        rolloutLogProbs = new float[n];
        rolloutTopIds = new long[n * k];
        rolloutTopLogProbs = new float[n * k];
        double[] q = new double[v];
        for (int row = 0; row < b; row++) {
            int valid = t - rng.nextInt(Math.max(1, t / 3));
            float adv = (float) rng.nextGaussian();
            for (int i = 0; i < t; i++) {
                int tok = row * t + i;
                for (int x = 0; x < v; x++) {
                    policyLogits[tok * v + x] = (float) (1.5 * rng.nextGaussian());
                    rolloutLogits[tok * v + x] = (float) (policyLogits[tok * v + x] + mismatch * rng.nextGaussian());
                }
                logSoftmax(rolloutLogits, tok * v, v, q);
                double u = rng.nextDouble();
                double c = 0;
                int sampled = v - 1;
                for (int x = 0; x < v; x++) {
                    c += Math.exp(q[x]);
                    if (u < c) {
                        sampled = x;
                        break;
                    }
                }
                tokens[tok] = sampled;
                rolloutLogProbs[tok] = (float) q[sampled];
                boolean[] used = new boolean[v];
                for (int j = 0; j < k; j++) {
                    int best = -1;
                    for (int x = 0; x < v; x++) {
                        if (!used[x] && (best < 0 || q[x] > q[best])) {
                            best = x;
                        }
                    }
                    used[best] = true;
                    rolloutTopIds[tok * k + j] = best;
                    rolloutTopLogProbs[tok * k + j] = (float) q[best];
                }
                mask[tok] = i < valid ? 1f : 0f;
                advantages[tok] = adv;
            }
        }
        // the anchor: a slightly different earlier policy, read at the sampled token below
        System.arraycopy(rolloutLogProbs, 0, oldLogProbs, 0, n);
        for (int i = 0; i < n; i++) {
            oldLogProbs[i] = (float) Math.min(0.0, oldLogProbs[i] + 0.3 * rng.nextGaussian());
        }
    }

    private static void logSoftmax(float[] logits, int from, int v, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int x = 0; x < v; x++) {
            max = Math.max(max, logits[from + x]);
        }
        double s = 0;
        for (int x = 0; x < v; x++) {
            s += Math.exp(logits[from + x] - max);
        }
        double log = max + Math.log(s);
        for (int x = 0; x < v; x++) {
            out[x] = logits[from + x] - log;
        }
    }

    NDArray policyLogits(NDManager m) {
        return m.create(policyLogits, new Shape(b, t, v));
    }

    RolloutBatch.Builder rollout(NDManager m) {
        Shape tok = new Shape(b, t);
        Shape lists = new Shape(b, t, k);
        return RolloutBatch.builder()
                .tokenIds(m.create(tokens, tok)).step(0)
                .oldLogProbs(m.create(oldLogProbs, tok))
                .advantages(m.create(advantages, tok))
                .responseMask(m.create(mask, tok))
                .cachedRollout(m.create(rolloutLogProbs, tok), m.create(rolloutTopIds, lists),
                        m.create(rolloutTopLogProbs, lists));
    }

    /** Reads the target side back from the engine (log-softmax, top-k order), as the adapter computes it. */
    void readTargetFromEngine(NDManager m) {
        try (NDManager s = m.newSubManager()) {
            NDArray logp = policyLogits(s).logSoftmax(-1);
            NDArray ids = s.create(tokens, new Shape(b, t)).toType(DataType.INT64, false);
            logProbs = logp.gather(ids.expandDims(-1), -1).squeeze(-1).toFloatArray();
            NDList top = logp.topK(k, -1);
            targetTopLogProbs = top.get(0).toFloatArray();
            targetTopIds = top.get(1).toLongArray();
            targetAtRollout = logp.gather(s.create(rolloutTopIds, new Shape(b, t, k)), -1).toFloatArray();
        }
    }

    JackpotBatch coreBatch(long sequenceOffset) {
        return JackpotBatch.builder(b, t, k).step(0).vocabSize(v).sequenceOffset(sequenceOffset)
                .responseMask(mask).rolloutLogProbs(rolloutLogProbs).oldLogProbs(oldLogProbs).logProbs(logProbs)
                .advantages(advantages).rolloutTopK(rolloutTopIds, rolloutTopLogProbs)
                .targetTopK(targetTopIds, targetTopLogProbs).targetLogProbsAtRolloutTopK(targetAtRollout)
                .build();
    }
}
