package io.github.jackpot4j.core;

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

    static void validate(JackpotBatch.Builder b) {
        int[] tokens = {b.batchSize(), b.length()};
        int[] lists = {b.batchSize(), b.length(), b.topK()};

        if (b.responseMaskView() == null) {
            float[] ones = new float[b.batchSize() * b.length()];
            Arrays.fill(ones, 1f);
            b.defaultResponseMask(FloatView.of(ones, tokens));
        }
        requireShape("response_mask", b.responseMaskView(), tokens);
        requireShape("rollout_log_probs", required("rollout_log_probs", b.rolloutLogProbsView()), tokens);
        requireShape("old_log_probs", required("old_log_probs", b.oldLogProbsView()), tokens);
        requireShape("log_probs", required("log_probs", b.logProbsView()), tokens);
        requireShape("advantages", required("advantages", b.advantagesView()), tokens);
        if (b.uniformsView() != null) {
            requireShape("uniforms", b.uniformsView(), tokens);
        }

        boolean anyTopK = b.rolloutTopkIdsView() != null || b.targetTopkIdsView() != null
                || b.targetLogProbsAtRolloutTopkView() != null || b.rolloutLogProbsAtTargetTopkView() != null;
        if (anyTopK) {
            if (b.topK() == 0) {
                throw new IllegalArgumentException("top-k inputs were given but the batch was built with k = 0;"
                        + " use JackpotBatch.builder(B, T, k)");
            }
            requireShape("rollout_topk_ids", required("rollout_topk_ids", b.rolloutTopkIdsView()), lists);
            requireShape("rollout_topk_log_probs", b.rolloutTopkLogProbsView(), lists);
            requireShape("target_topk_ids", required("target_topk_ids", b.targetTopkIdsView()), lists);
            requireShape("target_topk_log_probs", b.targetTopkLogProbsView(), lists);
            requireShape("target_log_probs_at_rollout_topk",
                    required("target_log_probs_at_rollout_topk", b.targetLogProbsAtRolloutTopkView()), lists);
            if (b.rolloutLogProbsAtTargetTopkView() != null) {
                requireShape("rollout_log_probs_at_target_topk", b.rolloutLogProbsAtTargetTopkView(), lists);
            }
        }
        if (b.rolloutFullLogProbsView() != null || b.targetFullLogProbsView() != null) {
            FloatView rollout = required("rollout_full_log_probs", b.rolloutFullLogProbsView());
            FloatView target = required("target_full_log_probs", b.targetFullLogProbsView());
            if (rollout.rank() != 3) {
                throw new IllegalArgumentException("rollout_full_log_probs has shape " + Arrays.toString(rollout.shape())
                        + " but must be [B,T,V] = [" + b.batchSize() + "," + b.length() + ",V]");
            }
            int v = rollout.dim(2);
            if (b.vocabSizeValue() != 0 && v != b.vocabSizeValue()) {
                throw new IllegalArgumentException("rollout_full_log_probs has V = " + v + " but vocab_size = "
                        + b.vocabSizeValue());
            }
            requireShape("rollout_full_log_probs", rollout, new int[] {b.batchSize(), b.length(), v});
            requireShape("target_full_log_probs", target, new int[] {b.batchSize(), b.length(), v});
        }

        checkMask("response_mask", b.responseMaskView());
        checkLogProbs("rollout_log_probs", b.rolloutLogProbsView());
        checkLogProbs("old_log_probs", b.oldLogProbsView());
        checkLogProbs("log_probs", b.logProbsView());
        checkFinite("advantages", b.advantagesView());
        if (b.uniformsView() != null) {
            checkUniforms("uniforms", b.uniformsView());
        }
        if (anyTopK) {
            checkIds("rollout_topk_ids", b.rolloutTopkIdsView(), b.topK(), b.vocabSizeValue());
            checkIds("target_topk_ids", b.targetTopkIdsView(), b.topK(), b.vocabSizeValue());
            checkLogProbs("rollout_topk_log_probs", b.rolloutTopkLogProbsView());
            checkLogProbs("target_topk_log_probs", b.targetTopkLogProbsView());
            checkLogProbs("target_log_probs_at_rollout_topk", b.targetLogProbsAtRolloutTopkView());
            if (b.rolloutLogProbsAtTargetTopkView() != null) {
                checkLogProbs("rollout_log_probs_at_target_topk", b.rolloutLogProbsAtTargetTopkView());
            }
        }
        if (b.rolloutFullLogProbsView() != null) {
            checkLogProbs("rollout_full_log_probs", b.rolloutFullLogProbsView());
            checkLogProbs("target_full_log_probs", b.targetFullLogProbsView());
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

    private static <T> T required(String name, T view) {
        if (view == null) {
            throw new IllegalArgumentException(name + " is required but was not given");
        }
        return view;
    }

    private static void requireShape(String name, FloatView view, int[] expected) {
        if (view == null) {
            throw new IllegalArgumentException(name + " is required but was not given");
        }
        if (!Arrays.equals(view.shape(), expected)) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(view.shape())
                    + " but the batch needs " + Arrays.toString(expected));
        }
    }

    private static void requireShape(String name, IdView view, int[] expected) {
        if (!Arrays.equals(view.shape(), expected)) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(view.shape())
                    + " but the batch needs " + Arrays.toString(expected));
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
