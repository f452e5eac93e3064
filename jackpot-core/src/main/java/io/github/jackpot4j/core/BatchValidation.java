package io.github.jackpot4j.core;

import io.github.jackpot4j.core.JackpotBatch.Input;
import java.util.Arrays;

/**
 * The one place inputs are checked (MATH.md §1): shapes, then every element. Messages follow
 * {@code name[b,t,j] = value <rule>} so a user can find the bad element directly.
 */
final class BatchValidation {
    /** Log-probs up to this value are accepted as rounding noise around log 1 = 0 (MATH.md §1). */
    static final double LOG_PROB_TOLERANCE = 1e-4;

    private BatchValidation() {
    }

    /**
     * Checks the views of a batch (indexed by {@link Input#ordinal()}) — shapes first, then, with
     * {@code values}, every element by its input's rule — and puts an all-ones response mask where none
     * was given.
     */
    static void validate(int batchSize, int length, int topK, int vocabSize, TensorView[] views, boolean values) {
        if (views[Input.RESPONSE_MASK.ordinal()] == null) {
            float[] ones = new float[batchSize * length];
            Arrays.fill(ones, 1f);
            views[Input.RESPONSE_MASK.ordinal()] = FloatView.of(ones, batchSize, length);
        }
        boolean anyTopK = views[Input.ROLLOUT_TOPK_IDS.ordinal()] != null || views[Input.TARGET_TOPK_IDS.ordinal()] != null
                || views[Input.TARGET_LOG_PROBS_AT_ROLLOUT_TOPK.ordinal()] != null
                || views[Input.ROLLOUT_LOG_PROBS_AT_TARGET_TOPK.ordinal()] != null;
        if (anyTopK && topK == 0) {
            throw new IllegalArgumentException("top-k inputs were given but the batch was built with k = 0;"
                    + " use JackpotBatch.builder(B, T, k)");
        }
        boolean full = views[Input.ROLLOUT_FULL_LOG_PROBS.ordinal()] != null
                || views[Input.TARGET_FULL_LOG_PROBS.ordinal()] != null;
        int v = full ? vocabOfFull(batchSize, length, vocabSize, views) : 0;
        for (Input in : Input.values()) {
            boolean kindGiven = in.dims == Input.Dims.TOKENS || (in.dims == Input.Dims.LISTS ? anyTopK : full);
            TensorView view = views[in.ordinal()];
            if (!kindGiven) {
                views[in.ordinal()] = null; // a top-k input of a batch without top-k lists is not read
            } else if (view == null) {
                if (!in.optional) {
                    throw new IllegalArgumentException(in.key + " is required but was not given");
                }
            } else {
                int[] expected = in.shape(batchSize, length, topK, v);
                if (!Arrays.equals(view.shape(), expected)) {
                    throw new IllegalArgumentException(in.key + " has shape " + Arrays.toString(view.shape())
                            + " but the batch needs " + Arrays.toString(expected));
                }
            }
        }
        for (Input in : Input.values()) {
            TensorView view = views[in.ordinal()];
            if (view != null && values) {
                checkElements(in, view, topK, vocabSize);
            }
        }
    }

    /** V of the full-vocabulary inputs: both given, rank 3, agreeing with {@code vocab_size} when set. */
    private static int vocabOfFull(int batchSize, int length, int vocabSize, TensorView[] views) {
        FloatView rollout = (FloatView) views[Input.ROLLOUT_FULL_LOG_PROBS.ordinal()];
        if (rollout == null || views[Input.TARGET_FULL_LOG_PROBS.ordinal()] == null) {
            throw new IllegalArgumentException((rollout == null ? Input.ROLLOUT_FULL_LOG_PROBS : Input.TARGET_FULL_LOG_PROBS).key
                    + " is required but was not given");
        }
        if (rollout.rank() != 3) {
            throw new IllegalArgumentException("rollout_full_log_probs has shape " + Arrays.toString(rollout.shape())
                    + " but must be [B,T,V] = [" + batchSize + "," + length + ",V]");
        }
        int v = rollout.dim(2);
        if (vocabSize != 0 && v != vocabSize) {
            throw new IllegalArgumentException("rollout_full_log_probs has V = " + v + " but vocab_size = " + vocabSize);
        }
        return v;
    }

    private static void checkElements(Input in, TensorView view, int topK, int vocabSize) {
        switch (in.rule) {
            case MASK:
                checkMask(in.key, (FloatView) view);
                break;
            case LOG_PROB:
                checkLogProbs(in.key, (FloatView) view);
                break;
            case FINITE:
                checkFinite(in.key, (FloatView) view);
                break;
            case UNIFORM:
                checkUniforms(in.key, (FloatView) view);
                break;
            default:
                checkIds(in.key, (IdView) view, topK, vocabSize);
        }
    }

    /**
     * A plain array for input {@code name}, wrapped from index 0 with {@code shape}: it must hold
     * exactly the shape's element count (a longer array is as likely a shape mix-up as a shorter one;
     * the {@link FloatView} setters take an offset into a larger store explicitly).
     */
    static FloatView wholeArray(String name, float[] data, int[] shape) {
        requireLength(name, data == null ? -1 : data.length, shape);
        return FloatView.of(data, shape);
    }

    /** As {@link #wholeArray(String, float[], int[])} for int ids. */
    static IdView wholeArray(String name, int[] data, int[] shape) {
        requireLength(name, data == null ? -1 : data.length, shape);
        return IdView.of(data, shape);
    }

    /** As {@link #wholeArray(String, float[], int[])} for int64 ids. */
    static IdView wholeArray(String name, long[] data, int[] shape) {
        requireLength(name, data == null ? -1 : data.length, shape);
        return IdView.of(data, shape);
    }

    /** Fails unless {@code length} (−1 for a null array) equals the element count of {@code shape}. */
    static void requireLength(String name, int length, int[] shape) {
        String dims = shape.length == 2 ? "[B,T]" : "[B,T,k]";
        StringBuilder sizes = new StringBuilder("[");
        long needed = 1;
        for (int d = 0; d < shape.length; d++) {
            sizes.append(d > 0 ? "," : "").append(shape[d]);
            needed *= shape[d];
        }
        sizes.append(']');
        if (length < 0) {
            throw new IllegalArgumentException(name + " is null but " + dims + " = " + sizes + " needs " + needed
                    + " elements");
        }
        if (length != needed) {
            throw new IllegalArgumentException(name + " has " + length + " elements but " + dims + " = " + sizes
                    + " needs " + needed);
        }
    }

    static void checkLogProbs(String name, FloatView v) {
        int n = v.size();
        for (int i = 0; i < n; i++) {
            float x = v.get(i);
            // One comparison covers the common case; NaN fails it too and is sorted out below.
            if (!(x <= LOG_PROB_TOLERANCE)) {
                String rule = Float.isNaN(x) ? "is NaN" : x == Float.POSITIVE_INFINITY ? "is +inf"
                        : "is a positive log-prob (> " + LOG_PROB_TOLERANCE + ")";
                throw new IllegalArgumentException(name + Shapes.index(i, v.shape()) + " = " + x + " " + rule
                        + "; log-probs must be <= 0 (-inf is allowed)");
            }
        }
    }

    private static void checkFinite(String name, FloatView v) {
        int n = v.size();
        for (int i = 0; i < n; i++) {
            float x = v.get(i);
            if (!Float.isFinite(x)) {
                throw new IllegalArgumentException(name + Shapes.index(i, v.shape()) + " = " + x + " is not finite");
            }
        }
    }

    private static void checkMask(String name, FloatView v) {
        int n = v.size();
        for (int i = 0; i < n; i++) {
            float x = v.get(i);
            if (x != 0f && x != 1f) {
                throw new IllegalArgumentException(name + Shapes.index(i, v.shape()) + " = " + x + " must be 0 or 1");
            }
        }
    }

    private static void checkUniforms(String name, FloatView v) {
        int n = v.size();
        for (int i = 0; i < n; i++) {
            float x = v.get(i);
            if (!(x >= 0f && x < 1f)) {
                throw new IllegalArgumentException(name + Shapes.index(i, v.shape()) + " = " + x
                        + " is outside [0, 1)");
            }
        }
    }

    private static void checkIds(String name, IdView ids, int k, int vocabSize) {
        int[] shape = ids.shape();
        int n = ids.size();
        for (int i = 0; i < n; i++) {
            long id = ids.getLong(i);
            if (id < 0 || (vocabSize > 0 && id >= vocabSize) || id > Integer.MAX_VALUE) {
                String range = vocabSize > 0 ? "[0, " + vocabSize + ")" : "[0, 2^31)";
                throw new IllegalArgumentException(name + Shapes.index(i, shape) + " = " + id
                        + " is outside the vocabulary " + range);
            }
        }
        SmallIdSet seen = new SmallIdSet(k);
        for (int list = 0; list < n / k; list++) {
            seen.clear();
            int base = list * k;
            for (int j = 0; j < k; j++) {
                int first = seen.putIfAbsent(ids.get(base + j), j);
                if (first >= 0) {
                    throw new IllegalArgumentException(name + Shapes.index(base + j, shape) + " = " + ids.get(base + j)
                            + " repeats " + name + Shapes.index(base + first, shape)
                            + "; ids within one top-k list must be distinct");
                }
            }
        }
    }
}
