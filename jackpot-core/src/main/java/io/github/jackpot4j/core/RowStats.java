package io.github.jackpot4j.core;

import io.github.jackpot4j.core.MetricSums.Sum;

/**
 * Slots of the per-row partial sums. The first slots are {@link MetricSums.Sum}'s, in its order (so
 * the batch's metric sums are the column sums, with max and min taken instead of summed for the two
 * weight extremes); the kernel's own slots follow. Each row writes its own slots; the totals are
 * reduced in row order afterwards, which makes the parallel result identical, bit for bit, to the
 * sequential one.
 */
final class RowStats {
    private RowStats() {
    }

    // pass 1 (acceptance and normalizer)
    static final int VALID = Sum.VALID.ordinal();
    static final int ACCEPTED = Sum.ACCEPTED.ordinal();
    static final int SUM_ACCEPTANCE = Sum.ACCEPTANCE.ordinal();
    static final int SUM_Z_APPROX = Sum.Z_APPROX.ordinal();
    static final int UNION_SIZE = Sum.UNION_SIZE.ordinal();
    static final int ROLLOUT_MASS = Sum.ROLLOUT_MASS.ordinal();
    static final int TARGET_MASS = Sum.TARGET_MASS.ordinal();
    static final int KL_K1 = Sum.KL_K1.ordinal();
    static final int KL_K3 = Sum.KL_K3.ordinal();
    // pass 2 (weights, objective, loss)
    static final int OBRS_CLIPPED = Sum.OBRS_CLIPPED.ordinal();
    static final int RESIDUAL_CLIPPED = Sum.RESIDUAL_CLIPPED.ordinal();
    static final int ACCEPTED_WEIGHT = Sum.ACCEPTED_WEIGHT.ordinal();
    static final int ACCEPTED_WEIGHT_SQ = Sum.ACCEPTED_WEIGHT_SQ.ordinal();
    static final int MAX_WEIGHT = Sum.MAX_ACCEPTED_WEIGHT.ordinal();
    static final int MIN_WEIGHT = Sum.MIN_ACCEPTED_WEIGHT.ordinal();
    static final int PG_CLIPPED = Sum.PG_CLIPPED.ordinal();
    static final int PG_CLIPPED_LOWER = Sum.PG_CLIPPED_LOWER.ordinal();
    static final int PPO_KL = Sum.PPO_KL.ordinal();
    /** The number of {@link MetricSums.Sum} slots at the front. */
    static final int METRIC_SLOTS = Sum.values().length;
    static final int LOSS = METRIC_SLOTS;
    static final int SUM_WEIGHT = METRIC_SLOTS + 1;

    static final int COUNT = METRIC_SLOTS + 2;
}
