package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The NDArray primitives the concept classes share: float32 upcasting, engine-owned constants and
 * clamps, and the log-ratio convention of the core's {@code io.github.jackpot4j.core.LogRatio} (MATH.md
 * §3, §6, §7). Every method returns new arrays in the operands' manager.
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

    /**
     * {@link #clampedLogRatio} without gradient (for the weights and metrics, which are stop-gradient):
     * detached, so one clamp with DJL's {@code Number} bounds is safe (autograd saves nothing), where
     * {@link #clip} takes five ops.
     */
    static NDArray clampedLogRatioNoGrad(NDArray x, NDArray y) {
        return clampNoGrad(logRatio(x, y));
    }

    /** {@code x} detached and clamped to [−20, 20] in one op (see {@link #clampedLogRatioNoGrad}). */
    static NDArray clampNoGrad(NDArray x) {
        return x.stopGradient().clip(-CLAMP, CLAMP);
    }
}
