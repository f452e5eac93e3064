package io.github.jackpot4j.core;

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
    final int batchSize;
    final int length;
    final int topK;
    final int vocabSize;
    final long sequenceOffset;
    final long step;
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

    /** A part of {@code whole}: rows [from, from + rows), the same step, its global offset; no copy, no re-validation. */
    private JackpotBatch(JackpotBatch whole, int from, int rows) {
        batchSize = rows;
        length = whole.length;
        topK = whole.topK;
        vocabSize = whole.vocabSize;
        sequenceOffset = whole.sequenceOffset + from;
        step = whole.step;
        responseMask = part(whole.responseMask, from, rows);
        rolloutLogProbs = part(whole.rolloutLogProbs, from, rows);
        oldLogProbs = part(whole.oldLogProbs, from, rows);
        logProbs = part(whole.logProbs, from, rows);
        advantages = part(whole.advantages, from, rows);
        rolloutTopkIds = whole.rolloutTopkIds == null ? null : whole.rolloutTopkIds.rows(from, rows);
        rolloutTopkLogProbs = part(whole.rolloutTopkLogProbs, from, rows);
        targetTopkIds = whole.targetTopkIds == null ? null : whole.targetTopkIds.rows(from, rows);
        targetTopkLogProbs = part(whole.targetTopkLogProbs, from, rows);
        targetLogProbsAtRolloutTopk = part(whole.targetLogProbsAtRolloutTopk, from, rows);
        rolloutLogProbsAtTargetTopk = part(whole.rolloutLogProbsAtTargetTopk, from, rows);
        rolloutFullLogProbs = part(whole.rolloutFullLogProbs, from, rows);
        targetFullLogProbs = part(whole.targetFullLogProbs, from, rows);
        uniforms = part(whole.uniforms, from, rows);
        wholeRows = whole.wholeRows > 0 ? whole.wholeRows : whole.batchSize;
    }

    private static FloatView part(FloatView v, int from, int rows) {
        return v == null ? null : v.rows(from, rows);
    }

    /**
     * Carves this batch into micro-batches of at most {@code rowsPerPart} sequences, in order, without
     * copying: each part has its global {@link #sequenceOffset()} and this batch's step, so it draws
     * the same rejection uniforms as the whole (MATH.md §3). A part refuses to be computed without the
     * merged statistics of all parts; {@link Jackpot#computeParts} does the merging for you.
     */
    public java.util.List<JackpotBatch> split(int rowsPerPart) {
        if (rowsPerPart <= 0) {
            throw new IllegalArgumentException("rows per micro-batch = " + rowsPerPart + " must be > 0");
        }
        java.util.List<JackpotBatch> parts = new java.util.ArrayList<>();
        for (int from = 0; from < batchSize; from += rowsPerPart) {
            parts.add(new JackpotBatch(this, from, Math.min(rowsPerPart, batchSize - from)));
        }
        return java.util.Collections.unmodifiableList(parts);
    }

    /** True when this batch is a micro-batch carved by {@link #split(int)}. */
    public boolean isPart() {
        return wholeRows > 0;
    }

    private JackpotBatch(Builder b) {
        batchSize = b.batchSize;
        length = b.length;
        topK = b.topK;
        vocabSize = b.vocabSize;
        sequenceOffset = b.sequenceOffset;
        step = b.step;
        responseMask = b.responseMask;
        rolloutLogProbs = b.rolloutLogProbs;
        oldLogProbs = b.oldLogProbs;
        logProbs = b.logProbs;
        advantages = b.advantages;
        rolloutTopkIds = b.rolloutTopkIds;
        rolloutTopkLogProbs = b.rolloutTopkLogProbs;
        targetTopkIds = b.targetTopkIds;
        targetTopkLogProbs = b.targetTopkLogProbs;
        targetLogProbsAtRolloutTopk = b.targetLogProbsAtRolloutTopk;
        rolloutLogProbsAtTargetTopk = b.rolloutLogProbsAtTargetTopk;
        rolloutFullLogProbs = b.rolloutFullLogProbs;
        targetFullLogProbs = b.targetFullLogProbs;
        uniforms = b.uniforms;
        wholeRows = 0;
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
        private FloatView responseMask;
        private FloatView rolloutLogProbs;
        private FloatView oldLogProbs;
        private FloatView logProbs;
        private FloatView advantages;
        private IdView rolloutTopkIds;
        private FloatView rolloutTopkLogProbs;
        private IdView targetTopkIds;
        private FloatView targetTopkLogProbs;
        private FloatView targetLogProbsAtRolloutTopk;
        private FloatView rolloutLogProbsAtTargetTopk;
        private FloatView rolloutFullLogProbs;
        private FloatView targetFullLogProbs;
        private FloatView uniforms;

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

        private int[] tokens() {
            return new int[] {batchSize, length};
        }

        private int[] lists() {
            return new int[] {batchSize, length, topK};
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
            return responseMask(BatchValidation.wholeArray("response_mask", v, tokens()));
        }

        /** {@code response_mask} [B,T] as 0/1 ints (copied once into a float array). */
        public Builder responseMask(int[] v) {
            BatchValidation.requireLength("response_mask", v == null ? -1 : v.length, tokens());
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = v[i];
            }
            return responseMask(f);
        }

        /** {@code response_mask} [B,T] as a view. */
        public Builder responseMask(FloatView v) {
            responseMask = v;
            return this;
        }

        /** {@code rollout_log_probs} [B,T]: ℓ_inf of the sampled tokens. */
        public Builder rolloutLogProbs(float[] v) {
            return rolloutLogProbs(BatchValidation.wholeArray("rollout_log_probs", v, tokens()));
        }

        /** {@code rollout_log_probs} [B,T] as a view. */
        public Builder rolloutLogProbs(FloatView v) {
            rolloutLogProbs = v;
            return this;
        }

        /** {@code old_log_probs} [B,T]: ℓ_old, the PPO anchor. */
        public Builder oldLogProbs(float[] v) {
            return oldLogProbs(BatchValidation.wholeArray("old_log_probs", v, tokens()));
        }

        /** {@code old_log_probs} [B,T] as a view. */
        public Builder oldLogProbs(FloatView v) {
            oldLogProbs = v;
            return this;
        }

        /** {@code log_probs} [B,T]: ℓ_new, the current policy (the input the gradient is taken for). */
        public Builder logProbs(float[] v) {
            return logProbs(BatchValidation.wholeArray("log_probs", v, tokens()));
        }

        /** {@code log_probs} [B,T] as a view. */
        public Builder logProbs(FloatView v) {
            logProbs = v;
            return this;
        }

        /** {@code advantages} [B,T]: Â. */
        public Builder advantages(float[] v) {
            return advantages(BatchValidation.wholeArray("advantages", v, tokens()));
        }

        /** {@code advantages} [B,T] as a view. */
        public Builder advantages(FloatView v) {
            advantages = v;
            return this;
        }

        /** {@code rollout_topk_ids} and {@code rollout_topk_log_probs} [B,T,k]. */
        public Builder rolloutTopK(int[] ids, float[] logProbs) {
            return rolloutTopK(BatchValidation.wholeArray("rollout_topk_ids", ids, lists()),
                    BatchValidation.wholeArray("rollout_topk_log_probs", logProbs, lists()));
        }

        /** {@code rollout_topk_ids} (int64) and {@code rollout_topk_log_probs} [B,T,k]. */
        public Builder rolloutTopK(long[] ids, float[] logProbs) {
            return rolloutTopK(BatchValidation.wholeArray("rollout_topk_ids", ids, lists()),
                    BatchValidation.wholeArray("rollout_topk_log_probs", logProbs, lists()));
        }

        /** {@code rollout_topk_ids} and {@code rollout_topk_log_probs} as views. */
        public Builder rolloutTopK(IdView ids, FloatView logProbs) {
            rolloutTopkIds = ids;
            rolloutTopkLogProbs = logProbs;
            return this;
        }

        /** {@code target_topk_ids} and {@code target_topk_log_probs} [B,T,k]. */
        public Builder targetTopK(int[] ids, float[] logProbs) {
            return targetTopK(BatchValidation.wholeArray("target_topk_ids", ids, lists()),
                    BatchValidation.wholeArray("target_topk_log_probs", logProbs, lists()));
        }

        /** {@code target_topk_ids} (int64) and {@code target_topk_log_probs} [B,T,k]. */
        public Builder targetTopK(long[] ids, float[] logProbs) {
            return targetTopK(BatchValidation.wholeArray("target_topk_ids", ids, lists()),
                    BatchValidation.wholeArray("target_topk_log_probs", logProbs, lists()));
        }

        /** {@code target_topk_ids} and {@code target_topk_log_probs} as views. */
        public Builder targetTopK(IdView ids, FloatView logProbs) {
            targetTopkIds = ids;
            targetTopkLogProbs = logProbs;
            return this;
        }

        /** {@code target_log_probs_at_rollout_topk} [B,T,k]: log p_tgt at the rollout top-k ids. */
        public Builder targetLogProbsAtRolloutTopK(float[] v) {
            return targetLogProbsAtRolloutTopK(BatchValidation.wholeArray("target_log_probs_at_rollout_topk", v, lists()));
        }

        /** {@code target_log_probs_at_rollout_topk} as a view. */
        public Builder targetLogProbsAtRolloutTopK(FloatView v) {
            targetLogProbsAtRolloutTopk = v;
            return this;
        }

        /** {@code rollout_log_probs_at_target_topk} [B,T,k], optional: log p_inf at the target top-k ids. */
        public Builder rolloutLogProbsAtTargetTopK(float[] v) {
            return rolloutLogProbsAtTargetTopK(BatchValidation.wholeArray("rollout_log_probs_at_target_topk", v, lists()));
        }

        /** {@code rollout_log_probs_at_target_topk} as a view. */
        public Builder rolloutLogProbsAtTargetTopK(FloatView v) {
            rolloutLogProbsAtTargetTopk = v;
            return this;
        }

        /**
         * Full-vocabulary log-probs [B,T,V] of the rollout model and of the target: the normalizer is
         * then computed exactly over the vocabulary (MATH.md §4) and the top-k lists are not needed.
         */
        public Builder fullVocabLogProbs(FloatView rollout, FloatView target) {
            rolloutFullLogProbs = rollout;
            targetFullLogProbs = target;
            return this;
        }

        /** {@code uniforms} [B,T] in [0,1): caller-supplied u_t replacing the counter-based draws (MATH.md §3). */
        public Builder uniforms(float[] v) {
            return uniforms(BatchValidation.wholeArray("uniforms", v, tokens()));
        }

        /** {@code uniforms} as a view. */
        public Builder uniforms(FloatView v) {
            uniforms = v;
            return this;
        }

        /**
         * Checks every input once and builds the batch.
         *
         * @throws IllegalArgumentException naming the input, the first bad index and the rule it broke
         */
        public JackpotBatch build() {
            BatchValidation.validate(this);
            return new JackpotBatch(this);
        }

        // package-private accessors for BatchValidation
        int batchSize() { return batchSize; }
        int length() { return length; }
        int topK() { return topK; }
        int vocabSizeValue() { return vocabSize; }
        FloatView responseMaskView() { return responseMask; }
        FloatView rolloutLogProbsView() { return rolloutLogProbs; }
        FloatView oldLogProbsView() { return oldLogProbs; }
        FloatView logProbsView() { return logProbs; }
        FloatView advantagesView() { return advantages; }
        IdView rolloutTopkIdsView() { return rolloutTopkIds; }
        FloatView rolloutTopkLogProbsView() { return rolloutTopkLogProbs; }
        IdView targetTopkIdsView() { return targetTopkIds; }
        FloatView targetTopkLogProbsView() { return targetTopkLogProbs; }
        FloatView targetLogProbsAtRolloutTopkView() { return targetLogProbsAtRolloutTopk; }
        FloatView rolloutLogProbsAtTargetTopkView() { return rolloutLogProbsAtTargetTopk; }
        FloatView rolloutFullLogProbsView() { return rolloutFullLogProbs; }
        FloatView targetFullLogProbsView() { return targetFullLogProbs; }
        FloatView uniformsView() { return uniforms; }

        void defaultResponseMask(FloatView allOnes) {
            responseMask = allOnes;
        }
    }
}
