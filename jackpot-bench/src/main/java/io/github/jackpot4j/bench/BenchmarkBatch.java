package io.github.jackpot4j.bench;

import io.github.jackpot4j.core.JackpotBatch;

import java.util.SplittableRandom;

/**
 * A generated batch shaped like a real one: B sequences of length T (some padding), top-k lists of
 * two models over a 32,000-token vocabulary that share about 70% of their ids, descending top-k
 * log-probs, cross log-probs and sampled-token log-probs. The values are not drawn from one explicit
 * distribution (that would take minutes at N = 524,288); the kernels' cost does not depend on it.
 */
public final class BenchmarkBatch {
    /** Vocabulary size of the generated ids. */
    public static final int VOCAB = 32_000;

    public final int batchSize;
    public final int length;
    public final int k;
    public final float[] responseMask;
    public final float[] rolloutLogProbs;
    public final float[] oldLogProbs;
    public final float[] logProbs;
    public final float[] advantages;
    public final int[] rolloutIds;
    public final float[] rolloutTopLogProbs;
    public final int[] targetIds;
    public final float[] targetTopLogProbs;
    public final float[] targetAtRollout;
    public final float[] rolloutAtTarget;

    private BenchmarkBatch(int batchSize, int length, int k) {
        this.batchSize = batchSize;
        this.length = length;
        this.k = k;
        int n = batchSize * length;
        responseMask = new float[n];
        rolloutLogProbs = new float[n];
        oldLogProbs = new float[n];
        logProbs = new float[n];
        advantages = new float[n];
        rolloutIds = new int[n * k];
        rolloutTopLogProbs = new float[n * k];
        targetIds = new int[n * k];
        targetTopLogProbs = new float[n * k];
        targetAtRollout = new float[n * k];
        rolloutAtTarget = new float[n * k];
    }

    /** N = B·T tokens (T = min(N, 512)), lists of length k, deterministic for a seed. */
    public static BenchmarkBatch generate(int tokens, int k, long seed) {
        int length = Math.min(tokens, 512);
        int batchSize = tokens / length;
        BenchmarkBatch s = new BenchmarkBatch(batchSize, length, k);
        SplittableRandom rng = new SplittableRandom(seed);
        int shared = (int) Math.round(0.7 * k);
        for (int b = 0; b < batchSize; b++) {
            int valid = length - rng.nextInt(length / 8 + 1);
            float advantage = (float) rng.nextGaussian();
            for (int i = 0; i < length; i++) {
                int t = b * length + i;
                int base = rng.nextInt(VOCAB);
                float rolloutTop = (float) (-0.05 - 0.5 * rng.nextDouble());
                float targetTop = (float) (-0.05 - 0.5 * rng.nextDouble());
                for (int j = 0; j < k; j++) {
                    int l = t * k + j;
                    // 7919 is prime and coprime with 32,000: the k ids of one list are distinct.
                    s.rolloutIds[l] = (base + j * 7919) % VOCAB;
                    s.rolloutTopLogProbs[l] = rolloutTop - 0.35f * j;
                    s.targetAtRollout[l] = rolloutTop - 0.35f * j + (float) (0.3 * rng.nextGaussian()) - 0.05f;
                    s.targetAtRollout[l] = Math.min(s.targetAtRollout[l], -1e-3f);
                    // the target shares the rollout's first ids (in another order) and adds its own
                    s.targetIds[l] = j < shared ? (base + (shared - 1 - j) * 7919) % VOCAB
                            : (base + (j - shared + k) * 7919) % VOCAB;
                    s.targetTopLogProbs[l] = targetTop - 0.35f * j;
                    s.rolloutAtTarget[l] = Math.min(targetTop - 0.35f * j + (float) (0.3 * rng.nextGaussian()), -1e-3f);
                }
                if (i >= valid) {
                    continue;
                }
                s.responseMask[t] = 1f;
                int sampled = rng.nextInt(Math.min(k, 4));
                s.rolloutLogProbs[t] = s.rolloutTopLogProbs[t * k + sampled];
                s.oldLogProbs[t] = s.targetAtRollout[t * k + sampled];
                s.logProbs[t] = Math.min(s.oldLogProbs[t] + (float) (0.05 * rng.nextGaussian()), 0f);
                s.advantages[t] = advantage;
            }
        }
        return s;
    }

    /** The core's view of this batch (validated). */
    public JackpotBatch toBatch() {
        return JackpotBatch.builder(batchSize, length, k).step(0)
                .vocabSize(VOCAB)
                .responseMask(responseMask)
                .rolloutLogProbs(rolloutLogProbs)
                .oldLogProbs(oldLogProbs)
                .logProbs(logProbs)
                .advantages(advantages)
                .rolloutTopK(rolloutIds, rolloutTopLogProbs)
                .targetTopK(targetIds, targetTopLogProbs)
                .targetLogProbsAtRolloutTopK(targetAtRollout)
                .rolloutLogProbsAtTargetTopK(rolloutAtTarget)
                .build();
    }

    /** Bytes of input the computation must read at least once. */
    public long inputBytes() {
        long n = (long) batchSize * length;
        return 4L * (5 * n + 6 * n * k);
    }
}
