package io.github.jackpot4j.core.nd4j;

import io.github.jackpot4j.core.FloatView;
import io.github.jackpot4j.core.IdView;
import io.github.jackpot4j.core.JackpotBatch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J interop for the core (MATH.md §1 inputs, results back as {@link INDArray}s). The only class of
 * the core that knows ND4J, which is an optional dependency: add {@code org.nd4j:nd4j-native} (and its
 * platform classifier) yourself to use it.
 *
 * <p><b>No copy</b> when the array is a row-major ({@code 'c'}), densely strided host buffer of the
 * right type — float32 for values, int32 or int64 for ids: the view reads the array's native memory
 * through a direct NIO buffer, so later writes to the array are visible to the view and the caller
 * must keep the array unchanged while a computation runs. A zero-copy view keeps its {@code INDArray}
 * reachable ({@link FloatView#keepingAlive}), so dropping the array after building a batch is safe:
 * its native memory lives as long as the batch. <b>A copy</b> (to a float32 or
 * int64 Java array) is made otherwise: views with non-default strides, {@code 'f'} order, other
 * dtypes. {@link #isZeroCopy(INDArray, boolean)} says which will happen.
 */
public final class Nd4jViews {
    private Nd4jViews() {
    }

    /** True when {@link #floatView} (ids = false) or {@link #idView} (ids = true) will not copy. */
    public static boolean isZeroCopy(INDArray a, boolean ids) {
        DataType t = a.dataType();
        boolean typeOk = ids ? (t == DataType.INT || t == DataType.LONG) : t == DataType.FLOAT;
        return typeOk && a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a) && a.data().asNio() != null;
    }

    /** A {@link FloatView} over the array's memory (no copy when possible, see the class comment). */
    public static FloatView floatView(INDArray a) {
        int[] shape = shape(a);
        if (isZeroCopy(a, false)) {
            return FloatView.at(nio(a).asFloatBuffer(), (int) a.offset(), shape).keepingAlive(a);
        }
        float[] copy = a.dup('c').castTo(DataType.FLOAT).data().asFloat();
        return FloatView.at(copy, 0, shape);
    }

    /** An {@link IdView} over the array's memory (no copy when possible, see the class comment). */
    public static IdView idView(INDArray a) {
        int[] shape = shape(a);
        if (isZeroCopy(a, true)) {
            ByteBuffer bytes = nio(a);
            IdView view = a.dataType() == DataType.INT ? IdView.at(bytes.asIntBuffer(), (int) a.offset(), shape)
                    : IdView.at(bytes.asLongBuffer(), (int) a.offset(), shape);
            return view.keepingAlive(a);
        }
        long[] copy = a.dup('c').castTo(DataType.LONG).data().asLong();
        return IdView.at(copy, 0, shape);
    }

    private static ByteBuffer nio(INDArray a) {
        ByteBuffer b = a.data().asNio().duplicate();
        b.position(0);
        return b.order(ByteOrder.nativeOrder());
    }

    private static int[] shape(INDArray a) {
        long[] s = a.shape();
        int[] out = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = Math.toIntExact(s[i]);
        }
        return out;
    }

    /**
     * A batch builder filled from arrays keyed by the MATH.md §1 names ({@code "log_probs"},
     * {@code "rollout_topk_ids"}, ..., optional {@code "response_mask"}, {@code "uniforms"},
     * {@code "rollout_log_probs_at_target_topk"}); add the step (and a micro-batch's sequence offset)
     * and build:
     * <pre>{@code
     * JackpotBatch batch = Nd4jViews.builder(B, T, k, arrays).step(step).build();
     * }</pre>
     *
     * @throws IllegalArgumentException for an unknown name or a top-k id array without its log-probs
     */
    public static JackpotBatch.Builder builder(int batchSize, int length, int topK, Map<String, INDArray> arrays) {
        JackpotBatch.Builder b = topK > 0 ? JackpotBatch.builder(batchSize, length, topK)
                : JackpotBatch.builder(batchSize, length);
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            String name = e.getKey();
            INDArray a = e.getValue();
            switch (name) {
                case "response_mask": b.responseMask(floatView(a)); break;
                case "rollout_log_probs": b.rolloutLogProbs(floatView(a)); break;
                case "old_log_probs": b.oldLogProbs(floatView(a)); break;
                case "log_probs": b.logProbs(floatView(a)); break;
                case "advantages": b.advantages(floatView(a)); break;
                case "target_log_probs_at_rollout_topk": b.targetLogProbsAtRolloutTopK(floatView(a)); break;
                case "rollout_log_probs_at_target_topk": b.rolloutLogProbsAtTargetTopK(floatView(a)); break;
                case "uniforms": b.uniforms(floatView(a)); break;
                case "rollout_topk_ids": case "rollout_topk_log_probs": case "target_topk_ids":
                case "target_topk_log_probs":
                    break; // paired below
                default:
                    throw new IllegalArgumentException("unknown array name `" + name + "`");
            }
        }
        if (arrays.containsKey("rollout_topk_ids") || arrays.containsKey("rollout_topk_log_probs")) {
            b.rolloutTopK(idView(required(arrays, "rollout_topk_ids")), floatView(required(arrays, "rollout_topk_log_probs")));
        }
        if (arrays.containsKey("target_topk_ids") || arrays.containsKey("target_topk_log_probs")) {
            b.targetTopK(idView(required(arrays, "target_topk_ids")), floatView(required(arrays, "target_topk_log_probs")));
        }
        return b;
    }

    private static INDArray required(Map<String, INDArray> arrays, String name) {
        INDArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException(name + " is required but was not given");
        }
        return a;
    }

    /**
     * A per-token output of {@code result} ({@code weights()}, {@code acceptMask()}, {@code z()},
     * {@code gradLogProbs()}, ...) as a c-order float32 [B,T] {@link INDArray} (a copy):
     * {@code Nd4jViews.shaped(r, r.weights())}.
     *
     * @throws IllegalArgumentException when {@code perToken} does not hold B·T values
     */
    public static INDArray shaped(io.github.jackpot4j.core.JackpotResult result, float[] perToken) {
        int b = result.batchSize();
        int t = result.length();
        if (perToken == null || perToken.length != b * t) {
            throw new IllegalArgumentException("perToken has " + (perToken == null ? 0 : perToken.length)
                    + " values but the result is [" + b + "," + t + "]");
        }
        return toINDArray(perToken, b, t);
    }

    /** A c-order float32 {@link INDArray} holding a copy of {@code data} with the given shape (e.g. a result's weights). */
    public static INDArray toINDArray(float[] data, int... shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            s[i] = shape[i];
        }
        return Nd4j.create(data, s, 'c');
    }
}
