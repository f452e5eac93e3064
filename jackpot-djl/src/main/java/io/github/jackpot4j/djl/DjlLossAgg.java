package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.LossAggMode;

/**
 * The loss aggregation of MATH.md §7 ({@link LossAggMode}, verl's {@code agg_loss} names) on NDArrays.
 * A batch whose loss mask is all zero has loss 0 and a zero gradient (not NaN, and not no gradient).
 * Divisors are engine-owned constants ({@link DjlMath#scalar}): the loss carries gradient.
 */
final class DjlLossAgg {
    private DjlLossAgg() {
    }

    /**
     * Aggregates loss_t [B,T] (already multiplied by the loss mask m).
     *
     * @param tokens    Σ m of the statistics in scope (the global batch's under micro-batching)
     * @param sequences the sequences with Σ_t m &gt; 0 in scope
     * @param length    T, the divisor of {@code seq-mean-token-sum-norm} without {@code loss_scale_factor}
     */
    static NDArray aggregate(JackpotConfig config, NDArray tokenLoss, NDArray lossMask, double tokens,
                             double sequences, long length) {
        LossAggMode mode = config.lossAggMode();
        switch (mode) {
            case TOKEN_MEAN:
                return tokens > 0 ? tokenLoss.sum().div(DjlMath.scalar(tokenLoss, tokens)) : zero(tokenLoss.sum());
            case TOKEN_SUM:
                return tokenLoss.sum();
            case SEQ_MEAN_TOKEN_SUM:
                return sequences > 0 ? tokenLoss.sum().div(DjlMath.scalar(tokenLoss, sequences)) : zero(tokenLoss.sum());
            case SEQ_MEAN_TOKEN_MEAN: {
                NDArray count = lossMask.sum(new int[] {-1});
                NDArray safe = NDArrays.where(count.gt(0f), count, count.onesLike());
                NDArray perSequence = tokenLoss.sum(new int[] {-1}).div(safe);
                return sequences > 0 ? perSequence.sum().div(DjlMath.scalar(tokenLoss, sequences))
                        : zero(perSequence.sum());
            }
            case SEQ_MEAN_TOKEN_SUM_NORM: {
                double scale = config.lossScaleFactor();
                return tokenLoss.sum().div(DjlMath.scalar(tokenLoss, Double.isNaN(scale) ? Math.max(length, 1) : scale));
            }
            default:
                throw new AssertionError(mode);
        }
    }

    /** 0 · x: a zero that keeps x's graph (a zero gradient rather than none). */
    private static NDArray zero(NDArray x) {
        return x.mul(DjlMath.scalar(x, 0));
    }
}
