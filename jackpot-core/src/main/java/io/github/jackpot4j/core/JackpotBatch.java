package io.github.jackpot4j.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One batch of B sequences of (padded) response length T, as read-only views over the caller's
 * arrays or buffers (MATH.md §1). Nothing is copied. {@link Builder#build()} checks every element
 * once — shapes, NaN, +∞, positive log-probs, ids outside the vocabulary, duplicate ids in one top-k
 * list — and throws an {@link IllegalArgumentException} naming the input, the first bad index and
 * the rule; the kernels never re-validate. −∞ log-probs are legal (probability 0).
 *
 * <p>The caller must not modify the arrays between {@code build()} and the end of the computation.
 * Inputs are named with verl's batch keys ({@code rollout_log_probs}, {@code old_log_probs}, ...).
 */
public final class JackpotBatch {
    /**
     * The inputs of a batch, each declared once: verl's name, its dimensions, whether a batch of its
     * kind may leave it out, and the element rule {@link BatchValidation} checks. The order is the
     * order of the checks.
     */
    enum Input {
        RESPONSE_MASK("response_mask", Dims.TOKENS, Rule.MASK, true),
        ROLLOUT_LOG_PROBS("rollout_log_probs", Dims.TOKENS, Rule.LOG_PROB, false),
        OLD_LOG_PROBS("old_log_probs", Dims.TOKENS, Rule.LOG_PROB, false),
        LOG_PROBS("log_probs", Dims.TOKENS, Rule.LOG_PROB, false),
        ADVANTAGES("advantages", Dims.TOKENS, Rule.FINITE, false),
        UNIFORMS("uniforms", Dims.TOKENS, Rule.UNIFORM, true),
        ROLLOUT_TOPK_IDS("rollout_topk_ids", Dims.LISTS, Rule.IDS, false),
        TARGET_TOPK_IDS("target_topk_ids", Dims.LISTS, Rule.IDS, false),
        ROLLOUT_TOPK_LOG_PROBS("rollout_topk_log_probs", Dims.LISTS, Rule.LOG_PROB, false),
        TARGET_TOPK_LOG_PROBS("target_topk_log_probs", Dims.LISTS, Rule.LOG_PROB, false),
        TARGET_LOG_PROBS_AT_ROLLOUT_TOPK("target_log_probs_at_rollout_topk", Dims.LISTS, Rule.LOG_PROB, false),
        ROLLOUT_LOG_PROBS_AT_TARGET_TOPK("rollout_log_probs_at_target_topk", Dims.LISTS, Rule.LOG_PROB, true),
        ROLLOUT_FULL_LOG_PROBS("rollout_full_log_probs", Dims.VOCAB, Rule.LOG_PROB, false),
        TARGET_FULL_LOG_PROBS("target_full_log_probs", Dims.VOCAB, Rule.LOG_PROB, false);

        /** [B,T], [B,T,k] or [B,T,V]. */
        enum Dims { TOKENS, LISTS, VOCAB }

        /** What every element must satisfy. */
        enum Rule { MASK, LOG_PROB, FINITE, UNIFORM, IDS }

        final String key;
        final Dims dims;
        final Rule rule;
        /** May be left out even when the batch has inputs of its kind (the mask then defaults to all ones). */
        final boolean optional;

        Input(String key, Dims dims, Rule rule, boolean optional) {
            this.key = key;
            this.dims = dims;
            this.rule = rule;
            this.optional = optional;
        }

        /** The shape this input must have in a batch of B sequences, length T, k-lists and vocabulary V. */
        int[] shape(int batchSize, int length, int topK, int vocab) {
            return dims == Dims.TOKENS ? new int[] {batchSize, length}
                    : new int[] {batchSize, length, dims == Dims.LISTS ? topK : vocab};
        }
    }

    final int batchSize;
    final int length;
    final int topK;
    final int vocabSize;
    final long sequenceOffset;
    final long step;
    /** The views by {@link Input#ordinal()}, null where not given. */
    private final TensorView[] views;
    final FloatView responseMask;
    final FloatView rolloutLogProbs;
    final FloatView oldLogProbs;
    final FloatView logProbs;
    final FloatView advantages;
    final IdView rolloutTopkIds;
    final FloatView rolloutTopkLogProbs;
    final IdView targetTopkIds;
    final FloatView targetTopkLogProbs;
    final FloatView targetLogProbsAtRolloutTopk;
    final FloatView rolloutLogProbsAtTargetTopk;
    final FloatView rolloutFullLogProbs;
    final FloatView targetFullLogProbs;
    final FloatView uniforms;

    /** Rows of the whole batch this one was carved from by {@link #split(int)}, or 0 when it is not a part. */
    final int wholeRows;

    private JackpotBatch(int batchSize, int length, int topK, int vocabSize, long sequenceOffset, long step,
                         TensorView[] views, int wholeRows) {
        this.batchSize = batchSize;
        this.length = length;
        this.topK = topK;
        this.vocabSize = vocabSize;
        this.sequenceOffset = sequenceOffset;
        this.step = step;
        this.views = views;
        this.wholeRows = wholeRows;
        responseMask = floats(Input.RESPONSE_MASK);
        rolloutLogProbs = floats(Input.ROLLOUT_LOG_PROBS);
        oldLogProbs = floats(Input.OLD_LOG_PROBS);
        logProbs = floats(Input.LOG_PROBS);
        advantages = floats(Input.ADVANTAGES);
        uniforms = floats(Input.UNIFORMS);
        rolloutTopkIds = (IdView) views[Input.ROLLOUT_TOPK_IDS.ordinal()];
        targetTopkIds = (IdView) views[Input.TARGET_TOPK_IDS.ordinal()];
        rolloutTopkLogProbs = floats(Input.ROLLOUT_TOPK_LOG_PROBS);
        targetTopkLogProbs = floats(Input.TARGET_TOPK_LOG_PROBS);
        targetLogProbsAtRolloutTopk = floats(Input.TARGET_LOG_PROBS_AT_ROLLOUT_TOPK);
        rolloutLogProbsAtTargetTopk = floats(Input.ROLLOUT_LOG_PROBS_AT_TARGET_TOPK);
        rolloutFullLogProbs = floats(Input.ROLLOUT_FULL_LOG_PROBS);
        targetFullLogProbs = floats(Input.TARGET_FULL_LOG_PROBS);
    }

    private FloatView floats(Input in) {
        return (FloatView) views[in.ordinal()];
    }

    /**
     * Carves this batch into micro-batches of at most {@code rowsPerPart} sequences, in order, without
     * copying: each part has its global {@link #sequenceOffset()} and this batch's step, so it draws
     * the same rejection uniforms as the whole (MATH.md §3). A part refuses to be computed without the
     * merged statistics of all parts; {@link Jackpot#computeParts} does the merging for you.
     */
    public List<JackpotBatch> split(int rowsPerPart) {
        if (rowsPerPart <= 0) {
            throw new IllegalArgumentException("rows per micro-batch = " + rowsPerPart + " must be > 0");
        }
        List<JackpotBatch> parts = new ArrayList<>();
        for (int from = 0; from < batchSize; from += rowsPerPart) {
            int rows = Math.min(rowsPerPart, batchSize - from);
            TensorView[] partViews = new TensorView[views.length];
            for (int i = 0; i < views.length; i++) {
                partViews[i] = views[i] == null ? null : views[i].rows(from, rows);
            }
            parts.add(new JackpotBatch(rows, length, topK, vocabSize, sequenceOffset + from, step, partViews,
                    wholeRows > 0 ? wholeRows : batchSize));
        }
        return Collections.unmodifiableList(parts);
    }

    /** True when this batch is a micro-batch carved by {@link #split(int)}. */
    public boolean isPart() {
        return wholeRows > 0;
    }

    /** A builder for B sequences of length T with top-k lists of length k. */
    public static Builder builder(int batchSize, int length, int topK) {
        return new Builder(batchSize, length, topK);
    }

    /** A builder for a batch without top-k lists (baselines, or the exact full-vocabulary mode). */
    public static Builder builder(int batchSize, int length) {
        return new Builder(batchSize, length, 0);
    }

    /** B, the number of sequences. */
    public int batchSize() {
        return batchSize;
    }

    /** T, the padded response length. */
    public int length() {
        return length;
    }

    /** k, the length of every top-k list (0 when there are none). */
    public int topK() {
        return topK;
    }

    /** V when given (required for the full-vocabulary mode), else 0. */
    public int vocabSize() {
        return vocabSize;
    }

    /** The global index of this batch's first sequence (for the rejection draws u_t, MATH.md §3). */
    public long sequenceOffset() {
        return sequenceOffset;
    }

    /**
     * The training step this batch of rollouts belongs to (MATH.md §3: the rejection draws are keyed
     * by seed, step, global sequence index and position), or −1 when none was set.
     */
    public long step() {
        return step;
    }

    /** True when {@link Builder#step(long)} was called. */
    public boolean hasStep() {
        return step >= 0;
    }

    /** True when the rollout model's log-probs at the target's top-k were given. */
    public boolean hasRolloutLogProbsAtTargetTopK() {
        return rolloutLogProbsAtTargetTopk != null;
    }

    /** True when the top-k lists were given. */
    public boolean hasTopK() {
        return rolloutTopkIds != null;
    }

    /** True when full [B,T,V] log-probs of both models were given (exact normalizer). */
    public boolean hasFullVocab() {
        return rolloutFullLogProbs != null;
    }

    /** True when caller-supplied uniforms replace the counter-based draws. */
    public boolean hasUniforms() {
        return uniforms != null;
    }

    /** The [B,T] response mask view (all ones when none was given). */
    public FloatView responseMask() {
        return responseMask;
    }

    /** The [B,T] view of {@code rollout_log_probs}. */
    public FloatView rolloutLogProbs() {
        return rolloutLogProbs;
    }

    /** The [B,T] view of {@code old_log_probs}. */
    public FloatView oldLogProbs() {
        return oldLogProbs;
    }

    /** The [B,T] view of {@code log_probs}. */
    public FloatView logProbs() {
        return logProbs;
    }

    /** The [B,T] view of {@code advantages}. */
    public FloatView advantages() {
        return advantages;
    }

    /**
     * Collects the views of one batch. Setters taking plain arrays wrap them from index 0 with the
     * shape [B,T] or [B,T,k] and require exactly B·T (or B·T·k) elements, failing at once with an
     * {@link IllegalArgumentException} naming the input otherwise; the {@link FloatView}/{@link IdView}
     * setters take any offset or buffer.
     */
    public static final class Builder {
        private final int batchSize;
        private final int length;
        private final int topK;
        private int vocabSize;
        private long sequenceOffset;
        private long step = -1;
        private final TensorView[] views = new TensorView[Input.values().length];

        private Builder(int batchSize, int length, int topK) {
            if (batchSize < 0 || length < 0 || topK < 0) {
                throw new IllegalArgumentException("batch shape B=" + batchSize + ", T=" + length + ", k=" + topK
                        + " must be non-negative");
            }
            if (topK > JackpotConfig.MAX_TOP_K) {
                throw new IllegalArgumentException("top-k length k = " + topK + " exceeds the maximum "
                        + JackpotConfig.MAX_TOP_K + " (2^20) of jackpot_log_probs_to_keep");
            }
            Shapes.checkedSize("batch shape", new int[] {batchSize, length, Math.max(topK, 1)});
            this.batchSize = batchSize;
            this.length = length;
            this.topK = topK;
        }

        private Builder set(Input in, TensorView view) {
            views[in.ordinal()] = view;
            return this;
        }

        /** A whole plain array for {@code in}: exactly B·T or B·T·k elements. */
        private Builder set(Input in, float[] data) {
            return set(in, BatchValidation.wholeArray(in.key, data, shape(in)));
        }

        /** As {@link #set(Input, float[])} for int ids. */
        private Builder set(Input in, int[] ids) {
            return set(in, BatchValidation.wholeArray(in.key, ids, shape(in)));
        }

        /** As {@link #set(Input, float[])} for int64 ids. */
        private Builder set(Input in, long[] ids) {
            return set(in, BatchValidation.wholeArray(in.key, ids, shape(in)));
        }

        private int[] shape(Input in) {
            return in.shape(batchSize, length, topK, 0);
        }

        /** The vocabulary size V: ids must lie in [0, V). Optional except for the full-vocabulary mode. */
        public Builder vocabSize(int v) {
            if (v <= 0) {
                throw new IllegalArgumentException("vocab_size = " + v + " must be > 0");
            }
            vocabSize = v;
            return this;
        }

        /** The global index of this batch's first sequence, so micro-batches draw the same u_t as the whole batch. */
        public Builder sequenceOffset(long v) {
            if (v < 0) {
                throw new IllegalArgumentException("sequence_offset = " + v + " must be >= 0");
            }
            sequenceOffset = v;
            return this;
        }

        /**
         * The training step (≥ 0) this batch of rollouts belongs to: the trainer's global step, or any
         * counter that changes with every new batch. The rejection draws u_t are keyed by it (MATH.md §3),
         * so every step draws afresh while all micro-batches of one step draw the same u_t as the whole
         * batch. Required when the Jackpot path draws uniforms ({@code use_jackpot = true} without
         * caller-supplied {@link #uniforms(float[])}); {@code Jackpot.compute} refuses a batch without it.
         */
        public Builder step(long v) {
            if (v < 0) {
                throw new IllegalArgumentException("step = " + v + " must be >= 0");
            }
            step = v;
            return this;
        }

        /** {@code response_mask} [B,T] as 0/1 floats; when absent every token is valid. */
        public Builder responseMask(float[] v) {
            return set(Input.RESPONSE_MASK, v);
        }

        /** {@code response_mask} [B,T] as 0/1 ints (copied once into a float array). */
        public Builder responseMask(int[] v) {
            BatchValidation.requireLength(Input.RESPONSE_MASK.key, v == null ? -1 : v.length, shape(Input.RESPONSE_MASK));
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = v[i];
            }
            return responseMask(f);
        }

        /** {@code response_mask} [B,T] as a view. */
        public Builder responseMask(FloatView v) {
            return set(Input.RESPONSE_MASK, v);
        }

        /** {@code rollout_log_probs} [B,T]: ℓ_inf of the sampled tokens. */
        public Builder rolloutLogProbs(float[] v) {
            return set(Input.ROLLOUT_LOG_PROBS, v);
        }

        /** {@code rollout_log_probs} [B,T] as a view. */
        public Builder rolloutLogProbs(FloatView v) {
            return set(Input.ROLLOUT_LOG_PROBS, v);
        }

        /** {@code old_log_probs} [B,T]: ℓ_old, the PPO anchor. */
        public Builder oldLogProbs(float[] v) {
            return set(Input.OLD_LOG_PROBS, v);
        }

        /** {@code old_log_probs} [B,T] as a view. */
        public Builder oldLogProbs(FloatView v) {
            return set(Input.OLD_LOG_PROBS, v);
        }

        /** {@code log_probs} [B,T]: ℓ_new, the current policy (the input the gradient is taken for). */
        public Builder logProbs(float[] v) {
            return set(Input.LOG_PROBS, v);
        }

        /** {@code log_probs} [B,T] as a view. */
        public Builder logProbs(FloatView v) {
            return set(Input.LOG_PROBS, v);
        }

        /** {@code advantages} [B,T]: Â. */
        public Builder advantages(float[] v) {
            return set(Input.ADVANTAGES, v);
        }

        /** {@code advantages} [B,T] as a view. */
        public Builder advantages(FloatView v) {
            return set(Input.ADVANTAGES, v);
        }

        /** {@code rollout_topk_ids} and {@code rollout_topk_log_probs} [B,T,k]. */
        public Builder rolloutTopK(int[] ids, float[] logProbs) {
            return set(Input.ROLLOUT_TOPK_IDS, ids).set(Input.ROLLOUT_TOPK_LOG_PROBS, logProbs);
        }

        /** {@code rollout_topk_ids} (int64) and {@code rollout_topk_log_probs} [B,T,k]. */
        public Builder rolloutTopK(long[] ids, float[] logProbs) {
            return set(Input.ROLLOUT_TOPK_IDS, ids).set(Input.ROLLOUT_TOPK_LOG_PROBS, logProbs);
        }

        /** {@code rollout_topk_ids} and {@code rollout_topk_log_probs} as views. */
        public Builder rolloutTopK(IdView ids, FloatView logProbs) {
            return set(Input.ROLLOUT_TOPK_IDS, ids).set(Input.ROLLOUT_TOPK_LOG_PROBS, logProbs);
        }

        /** {@code target_topk_ids} and {@code target_topk_log_probs} [B,T,k]. */
        public Builder targetTopK(int[] ids, float[] logProbs) {
            return set(Input.TARGET_TOPK_IDS, ids).set(Input.TARGET_TOPK_LOG_PROBS, logProbs);
        }

        /** {@code target_topk_ids} (int64) and {@code target_topk_log_probs} [B,T,k]. */
        public Builder targetTopK(long[] ids, float[] logProbs) {
            return set(Input.TARGET_TOPK_IDS, ids).set(Input.TARGET_TOPK_LOG_PROBS, logProbs);
        }

        /** {@code target_topk_ids} and {@code target_topk_log_probs} as views. */
        public Builder targetTopK(IdView ids, FloatView logProbs) {
            return set(Input.TARGET_TOPK_IDS, ids).set(Input.TARGET_TOPK_LOG_PROBS, logProbs);
        }

        /** {@code target_log_probs_at_rollout_topk} [B,T,k]: log p_tgt at the rollout top-k ids. */
        public Builder targetLogProbsAtRolloutTopK(float[] v) {
            return set(Input.TARGET_LOG_PROBS_AT_ROLLOUT_TOPK, v);
        }

        /** {@code target_log_probs_at_rollout_topk} as a view. */
        public Builder targetLogProbsAtRolloutTopK(FloatView v) {
            return set(Input.TARGET_LOG_PROBS_AT_ROLLOUT_TOPK, v);
        }

        /** {@code rollout_log_probs_at_target_topk} [B,T,k], optional: log p_inf at the target top-k ids. */
        public Builder rolloutLogProbsAtTargetTopK(float[] v) {
            return set(Input.ROLLOUT_LOG_PROBS_AT_TARGET_TOPK, v);
        }

        /** {@code rollout_log_probs_at_target_topk} as a view. */
        public Builder rolloutLogProbsAtTargetTopK(FloatView v) {
            return set(Input.ROLLOUT_LOG_PROBS_AT_TARGET_TOPK, v);
        }

        /**
         * Full-vocabulary log-probs [B,T,V] of the rollout model and of the target: the normalizer is
         * then computed exactly over the vocabulary (MATH.md §4) and the top-k lists are not needed.
         */
        public Builder fullVocabLogProbs(FloatView rollout, FloatView target) {
            return set(Input.ROLLOUT_FULL_LOG_PROBS, rollout).set(Input.TARGET_FULL_LOG_PROBS, target);
        }

        /** {@code uniforms} [B,T] in [0,1): caller-supplied u_t replacing the counter-based draws (MATH.md §3). */
        public Builder uniforms(float[] v) {
            return set(Input.UNIFORMS, v);
        }

        /** {@code uniforms} as a view. */
        public Builder uniforms(FloatView v) {
            return set(Input.UNIFORMS, v);
        }

        /**
         * Checks every input once and builds the batch.
         *
         * @throws IllegalArgumentException naming the input, the first bad index and the rule it broke
         */
        public JackpotBatch build() {
            return build(true);
        }

        /**
         * Builds the batch checking the shapes only, not the values: for inputs already checked, or vouched
         * for, elsewhere (jackpot-djl checks them on the device first). With values outside the rules of
         * MATH.md §1 the results are undefined — an exception or a meaningless number, not a check's error.
         */
        public JackpotBatch buildTrusted() {
            return build(false);
        }

        private JackpotBatch build(boolean values) {
            TensorView[] checked = views.clone();
            BatchValidation.validate(batchSize, length, topK, vocabSize, checked, values);
            return new JackpotBatch(batchSize, length, topK, vocabSize, sequenceOffset, step, checked, 0);
        }
    }
}
