package io.github.jackpot4j.spark;

import io.github.jackpot4j.core.Target;
import io.github.jackpot4j.core.testing.SyntheticRollouts;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A synthetic rollout log of any size (docs/spark.md, {@code generate}). Row b is a one-sequence
 * batch of the shared generator ({@link SyntheticRollouts}) seeded by (seed, b) alone, so any
 * partitioning of the generation writes the same log: per position a rollout model and a target
 * (the current policy, its logits {@code mismatch} away) over a support of 2k of the {@value #VOCAB}
 * ids, the sampled token drawn from the rollout model, an anchor (old log-prob) near the target, one
 * advantage per sequence and a random response length (the rest padding, response_mask = 0).
 */
public final class SyntheticRolloutLog implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    /** Vocabulary size of the synthetic models. */
    public static final int VOCAB = 512;

    private final long seed;
    private final long step;
    private final int length;
    private final int k;
    private final double mismatch;

    public SyntheticRolloutLog(long seed, long step, int length, int k, double mismatch) {
        if (length < 1 || k < 1 || 2 * k > VOCAB) {
            throw new IllegalArgumentException("need length >= 1 and 1 <= k <= " + VOCAB / 2);
        }
        this.seed = seed;
        this.step = step;
        this.length = length;
        this.k = k;
        this.mismatch = mismatch;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The row of global sequence {@code sequence}, in the column order of {@link RolloutLog#SCHEMA}. */
    public Row row(long sequence) {
        SyntheticRollouts data = SyntheticRollouts.builder().seed(mix(mix(seed ^ 0x5851F42D4C957F2DL) + sequence))
                .batchSize(1).length(length).vocabSize(VOCAB).topK(k).support(2 * k).mismatch(mismatch)
                .padFraction(1.0).build();
        SyntheticRollouts.TopKLists top = data.topK(Target.LATEST);
        int[] mask = new int[length];
        for (int i = 0; i < length; i++) {
            mask[i] = (int) data.responseMask[i];
        }
        return RowFactory.create(sequence, step, length, k, mask, data.rolloutLogProbs, data.oldLogProbs,
                data.logProbs, data.advantages, top.rolloutIds, top.rolloutLogProbs, top.targetIds, top.targetLogProbs,
                top.targetAtRollout);
    }
}
