package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;

import java.util.Arrays;
import java.util.List;

/**
 * What the rollout side of a training step provides, as {@link NDArray}s on any device (MATH.md §1):
 * the sampled token ids [B,T], {@code old_log_probs}, {@code advantages}, {@code response_mask}, and
 * the rollout model's view of each position — either what the inference engine cached (its
 * sampled-token log-probs [B,T] and top-k ids/log-probs [B,T,k]) or, in "use latest logits" mode,
 * its logits [B,T,V] from the trainer's own forward pass, from which the adapter derives all of
 * these plus the rollout log-probs at the target's top-k. Immutable; the arrays are not copied.
 */
public final class RolloutBatch implements Cloneable {
    // set only by the builder, on its own instance; a built batch is a copy that nothing changes
    NDArray tokenIds;
    NDArray oldLogProbs;
    NDArray advantages;
    NDArray responseMask;
    NDArray rolloutLogProbs;
    NDArray rolloutTopkIds;
    NDArray rolloutTopkLogProbs;
    NDArray rolloutLogits;
    NDArray actorOldLogProbs;
    NDArray uniforms;
    long sequenceOffset;
    long step = -1;

    private RolloutBatch() {
    }

    private RolloutBatch copy() {
        try {
            return (RolloutBatch) clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    /** A builder; {@code tokenIds}, {@code oldLogProbs}, {@code advantages} and one rollout source are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The sampled token ids [B,T]. */
    public NDArray tokenIds() {
        return tokenIds;
    }

    /** True in "use latest logits" mode (the rollout model's logits were given). */
    public boolean hasRolloutLogits() {
        return rolloutLogits != null;
    }

    /** The global index of the first sequence (for the rejection draws u_t). */
    public long sequenceOffset() {
        return sequenceOffset;
    }

    /** The training step of these rollouts (keys the rejection draws, MATH.md §3), or −1 when not set. */
    public long step() {
        return step;
    }

    /** This batch with another PPO anchor (the actor's own old log-probs for its loss, MATH.md §8). */
    RolloutBatch withOldLogProbs(NDArray anchor) {
        RolloutBatch b = copy();
        b.oldLogProbs = anchor;
        b.actorOldLogProbs = null;
        return b;
    }

    /** Every array, null where not given (for scoping). */
    List<NDArray> arrays() {
        return Arrays.asList(tokenIds, oldLogProbs, advantages, responseMask, rolloutLogProbs, rolloutTopkIds,
                rolloutTopkLogProbs, rolloutLogits, actorOldLogProbs, uniforms);
    }

    /** Collects the arrays of one rollout batch. */
    public static final class Builder {
        private final RolloutBatch batch = new RolloutBatch();

        private Builder() {
        }

        /** The sampled token ids [B,T] (int32 or int64). */
        public Builder tokenIds(NDArray v) {
            batch.tokenIds = v;
            return this;
        }

        /** {@code old_log_probs} [B,T]: the PPO anchor ℓ_old. */
        public Builder oldLogProbs(NDArray v) {
            batch.oldLogProbs = v;
            return this;
        }

        /** {@code advantages} [B,T]. */
        public Builder advantages(NDArray v) {
            batch.advantages = v;
            return this;
        }

        /** {@code response_mask} [B,T] of 0/1; all ones when absent. */
        public Builder responseMask(NDArray v) {
            batch.responseMask = v;
            return this;
        }

        /**
         * What the inference engine cached: {@code rollout_log_probs} [B,T] of the sampled tokens and
         * {@code rollout_topk_ids}/{@code rollout_topk_log_probs} [B,T,k].
         */
        public Builder cachedRollout(NDArray sampledLogProbs, NDArray topkIds, NDArray topkLogProbs) {
            batch.rolloutLogProbs = sampledLogProbs;
            batch.rolloutTopkIds = topkIds;
            batch.rolloutTopkLogProbs = topkLogProbs;
            return this;
        }

        /** "Use latest logits" mode: the rollout model's logits [B,T,V] (treated as constants). */
        public Builder rolloutLogits(NDArray v) {
            batch.rolloutLogits = v;
            return this;
        }

        /** The actor's log-probs before this update [B,T], the anchor of its PPO loss (default: rollout log-probs). */
        public Builder actorOldLogProbs(NDArray v) {
            batch.actorOldLogProbs = v;
            return this;
        }

        /** Caller-supplied u_t [B,T] in [0,1); by default the core's counter-based draws are uploaded. */
        public Builder uniforms(NDArray v) {
            batch.uniforms = v;
            return this;
        }

        /** The global index of this batch's first sequence (micro-batches draw the whole batch's u_t). */
        public Builder sequenceOffset(long v) {
            batch.sequenceOffset = nonNegative("sequence_offset", v);
            return this;
        }

        /**
         * The training step (≥ 0) of these rollouts: the trainer's global step, or any counter that
         * changes with every new batch. The rejection draws are keyed by it (MATH.md §3), so each step
         * draws afresh; required by the Jackpot path unless {@link #uniforms(NDArray)} are given.
         */
        public Builder step(long v) {
            batch.step = nonNegative("step", v);
            return this;
        }

        /**
         * Builds the batch; shapes and values are checked when a loss is computed, against the
         * policy's shapes.
         */
        public RolloutBatch build() {
            require(batch.tokenIds, "token_ids");
            require(batch.oldLogProbs, "old_log_probs");
            require(batch.advantages, "advantages");
            if (batch.rolloutLogits == null && (batch.rolloutLogProbs == null || batch.rolloutTopkIds == null
                    || batch.rolloutTopkLogProbs == null)) {
                throw new IllegalArgumentException("the rollout model is required: give cachedRollout(rollout_log_probs,"
                        + " rollout_topk_ids, rollout_topk_log_probs) or rolloutLogits([B,T,V])");
            }
            return batch.copy();
        }

        private static void require(NDArray a, String name) {
            if (a == null) {
                throw new IllegalArgumentException(name + " is required but was not given");
            }
        }
    }

    /** {@code v}, refused when negative (a step or a sequence offset; the core's rule and message). */
    static long nonNegative(String key, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(key + " = " + v + " must be >= 0");
        }
        return v;
    }
}
