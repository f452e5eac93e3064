package io.github.jackpot4j.core;

/**
 * Slots of the per-row partial sums. Each row writes its own slots; the totals are reduced in row
 * order afterwards, which makes the parallel result identical, bit for bit, to the sequential one.
 */
final class RowStats {
    private RowStats() {
    }

    // pass 1 (acceptance and normalizer)
    static final int VALID = 0;
    static final int ACCEPTED = 1;
    static final int SUM_ACCEPTANCE = 2;
    static final int SUM_Z_APPROX = 3;
    static final int UNION_SIZE = 4;
    static final int ROLLOUT_MASS = 5;
    static final int TARGET_MASS = 6;
    static final int KL_K1 = 7;
    static final int KL_K3 = 8;
    // pass 2 (weights, objective, loss)
    static final int LOSS = 9;
    static final int SUM_WEIGHT = 10;
    static final int MAX_WEIGHT = 11;
    static final int MIN_WEIGHT = 12;
    static final int OBRS_CLIPPED = 13;
    static final int RESIDUAL_CLIPPED = 14;
    static final int ACCEPTED_WEIGHT = 15;
    static final int ACCEPTED_WEIGHT_SQ = 16;
    static final int PG_CLIPPED = 17;
    static final int PG_CLIPPED_LOWER = 18;
    static final int PPO_KL = 19;

    static final int COUNT = 20;
}
