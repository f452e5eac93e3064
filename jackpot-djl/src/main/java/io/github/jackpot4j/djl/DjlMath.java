package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.LossAggMode;
import io.github.jackpot4j.core.ResidualCorrection;

/**
 * The NDArray translations of the core's small concepts (the same conventions as
 * {@code io.github.jackpot4j.core.LogRatio}, {@code ResidualCorrection}, {@code PolicyObjective} and
 * the aggregation of MATH.md §7). Every method returns new arrays in the operands' manager.
 *
 * <p><b>Memory rule.</b> On the CPU, DJL's {@code NDManager.create(<java data>)} — and with it every
 * {@code NDArray} op that takes a {@code Number} ({@code mul(2f)}, {@code div(n)}, {@code clip(a, b)},
 * ...) — wraps a Java direct buffer with {@code torch::from_blob}: libtorch does not own that memory.
 * If autograd saves such a tensor for backward (the divisor of a division, a factor of a
 * multiplication, the bounds of a clamp) and the Java buffer is collected before {@code backward},
 * the gradient reads freed memory. So on any path that can carry gradient this class only uses
 * constants in engine-owned memory ({@link #scalar}, {@link #clip}), and host data is copied into
 * engine-owned memory ({@link #upload}). Number ops remain only on stop-gradient arrays.
 */
final class DjlMath {
    static final float CLAMP = 20f;

    private DjlMath() {
    }

    /**
     * float32 of an input that may carry gradient. {@code toType} detaches the result from autograd,
     * so half-precision inputs are upcast by adding float32 zeros (type promotion keeps the gradient).
     */
    static NDArray toFloat32(NDArray a) {
        if (a.getDataType() == DataType.FLOAT32) {
            return a;
        }
        return a.add(a.getManager().zeros(a.getShape(), DataType.FLOAT32, a.getDevice()));
    }

    /** A 0-d float32 constant in engine-owned memory on {@code like}'s device (safe to be saved by autograd). */
    static NDArray scalar(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, DataType.FLOAT32);
    }

    /** Host data copied into engine-owned memory, so no tensor can outlive the Java buffer it reads. */
    static NDArray upload(NDManager manager, float[] data, Shape shape) {
        try (NDArray borrowed = manager.create(data, shape)) {
            return borrowed.duplicate();
        }
    }

    /**
     * clamp(x, lo, hi) with torch's values and gradient (1 on [lo, hi], 0 outside), built from
     * engine-owned bounds: DJL's {@code clip(Number, Number)} makes from_blob bounds that autograd saves.
     */
    static NDArray clip(NDArray x, double lo, double hi) {
        NDManager m = x.getManager();
        NDArray below = NDArrays.where(x.lt((float) lo), m.full(x.getShape(), (float) lo, x.getDataType()), x);
        return NDArrays.where(below.gt((float) hi), m.full(x.getShape(), (float) hi, x.getDataType()), below);
    }

    /**
     * x − y with (−∞) − (−∞) = 0, as the core's {@code LogRatio}: the only NaN a difference of legal
     * log-probs can produce. Only that case is mapped; any other NaN (a NaN or +∞ operand, which
     * validation refuses) stays NaN instead of silently becoming a ratio of 1.
     */
    static NDArray logRatio(NDArray x, NDArray y) {
        NDArray d = x.sub(y);
        NDArray bothZero = x.eq(Float.NEGATIVE_INFINITY).logicalAnd(y.eq(Float.NEGATIVE_INFINITY));
        return NDArrays.where(bothZero, d.zerosLike(), d);
    }

    /** {@link #logRatio} clamped to [−20, 20]. */
    static NDArray clampedLogRatio(NDArray x, NDArray y) {
        return clip(logRatio(x, y), -CLAMP, CLAMP);
    }

    /** F of MATH.md §6 applied element-wise. */
    static NDArray residual(ResidualCorrection f, NDArray x) {
        switch (f.kind()) {
            case TRUNCATE:
                return x.minimum((float) f.high());
            case ICEPOP:
                NDArray inside = x.gte((float) f.low()).logicalAnd(x.lte((float) f.high()));
                return NDArrays.where(inside, x, x.zerosLike());
            default:
                return x.onesLike();
        }
    }

    /** 1 where F changed x (truncated or zeroed), as float. */
    static NDArray residualClipped(ResidualCorrection f, NDArray x) {
        switch (f.kind()) {
            case TRUNCATE:
                return x.gt((float) f.high()).toType(DataType.FLOAT32, false);
            case ICEPOP:
                return x.lt((float) f.low()).logicalOr(x.gt((float) f.high())).toType(DataType.FLOAT32, false);
            default:
                return x.zerosLike();
        }
    }

    /** The per-token objective L_t of MATH.md §7 and its clip indicators {L, clipped, dualClipped}. */
    static NDList objective(JackpotConfig config, NDArray logProbs, NDArray oldLogProbs, NDArray advantages) {
        // r = exp(clamp(ℓ_new − ℓ_old, ±20)); clip's backward is 0 outside the range, as the core's derivative
        NDArray r = clampedLogRatio(logProbs, oldLogProbs).exp();
        NDArray negAdv = advantages.neg();
        NDArray unclipped = negAdv.mul(r);
        if (!config.ppoClip()) {
            return new NDList(unclipped, r.zerosLike(), r.zerosLike());
        }
        NDArray clippedRatio = clip(r, 1.0 - config.clipRatioLow(), 1.0 + config.clipRatioHigh());
        NDArray clippedLoss = negAdv.mul(clippedRatio);
        NDArray lc = unclipped.maximum(clippedLoss);
        NDArray clipped = clippedLoss.gt(unclipped).toType(DataType.FLOAT32, false);
        NDArray dualBound = negAdv.mul((float) config.dualClip());
        NDArray negative = advantages.lt(0f);
        NDArray dual = NDArrays.where(negative, lc.minimum(dualBound), lc);
        NDArray dualClipped = lc.gt(dualBound).logicalAnd(negative).toType(DataType.FLOAT32, false);
        return new NDList(dual, clipped, dualClipped);
    }

    /**
     * Aggregates loss_t [B,T] (already multiplied by the loss mask m) with verl's modes (MATH.md §7).
     * {@code tokens} and {@code sequences} are the denominators of the statistics in scope.
     */
    static NDArray aggregate(JackpotConfig config, NDArray tokenLoss, NDArray lossMask, double tokens,
                             double sequences, long length) {
        LossAggMode mode = config.lossAggMode();
        switch (mode) {
            case TOKEN_MEAN:
                return tokens > 0 ? tokenLoss.sum().div(scalar(tokenLoss, tokens)) : zero(tokenLoss.sum());
            case TOKEN_SUM:
                return tokenLoss.sum();
            case SEQ_MEAN_TOKEN_SUM:
                return sequences > 0 ? tokenLoss.sum().div(scalar(tokenLoss, sequences)) : zero(tokenLoss.sum());
            case SEQ_MEAN_TOKEN_MEAN: {
                NDArray count = lossMask.sum(new int[] {-1});
                NDArray safe = NDArrays.where(count.gt(0f), count, count.onesLike());
                NDArray perSequence = tokenLoss.sum(new int[] {-1}).div(safe);
                return sequences > 0 ? perSequence.sum().div(scalar(tokenLoss, sequences)) : zero(perSequence.sum());
            }
            case SEQ_MEAN_TOKEN_SUM_NORM: {
                double scale = config.lossScaleFactor();
                return tokenLoss.sum().div(scalar(tokenLoss, Double.isNaN(scale) ? Math.max(length, 1) : scale));
            }
            default:
                throw new AssertionError(mode);
        }
    }

    /** 0 · x: a zero that keeps x's graph (a zero gradient rather than none). */
    private static NDArray zero(NDArray x) {
        return x.mul(scalar(x, 0));
    }

    /** e^d − 1 − d without cancellation for small |d| (float32), for the kl_k3 metric. */
    static NDArray k3(NDArray d) {
        NDArray direct = d.exp().sub(1f).sub(d);
        // d²/2 + d³/6 + d⁴/24 + d⁵/120 + d⁶/720 + d⁷/5040 (Horner); truncation < 1e-6 relative for |d| < 0.5
        NDArray series = d.div(5040f).add(1f / 720).mul(d).add(1f / 120).mul(d).add(1f / 24).mul(d).add(1f / 6)
                .mul(d).add(0.5f).mul(d).mul(d);
        return NDArrays.where(d.abs().lt(0.5f), series, direct);
    }
}
