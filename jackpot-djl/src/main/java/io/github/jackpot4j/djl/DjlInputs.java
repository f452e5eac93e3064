package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.JackpotConfig;

import java.util.function.BiConsumer;

/**
 * The inputs of each entry point checked against MATH.md §1 before any math, at the edge: shapes and
 * dtypes at once (host-side, free), the values with {@link DjlChecks}' rules (device reductions read
 * back together; an error names the input and its first bad index).
 */
final class DjlInputs {
    private DjlInputs() {
    }

    /** The rollout side against the batch's [B,T] (and V when known; {@code Long.MAX_VALUE} when not). */
    static void rollout(JackpotConfig config, RolloutBatch rollout, Shape tokens, long vocab, DjlChecks checks) {
        DjlChecks.shape("token_ids", rollout.tokenIds, tokens);
        DjlChecks.integer("token_ids", rollout.tokenIds);
        DjlChecks.shape("old_log_probs", rollout.oldLogProbs, tokens);
        DjlChecks.shape("advantages", rollout.advantages, tokens);
        if (vocab != Long.MAX_VALUE) {
            checks.ids("token_ids", rollout.tokenIds, vocab, false);
        }
        checks.logProbs("old_log_probs", rollout.oldLogProbs);
        checks.finite("advantages", rollout.advantages);
        optional("response_mask", rollout.responseMask, tokens, checks::mask);
        optional("uniforms", rollout.uniforms, tokens, checks::uniforms);
        optional("actor_old_log_probs", rollout.actorOldLogProbs, tokens, checks::logProbs);
        if (rollout.rolloutLogits != null) {
            Shape expected = new Shape(tokens.get(0), tokens.get(1), vocab == Long.MAX_VALUE
                    ? rollout.rolloutLogits.getShape().get(2) : vocab);
            DjlChecks.shape("rollout_logits", rollout.rolloutLogits, expected);
            DjlChecks.floating("rollout_logits", rollout.rolloutLogits);
            return;
        }
        Shape lists = new Shape(tokens.get(0), tokens.get(1), config.topK());
        DjlChecks.shape("rollout_log_probs", rollout.rolloutLogProbs, tokens);
        DjlChecks.shape("rollout_topk_ids", rollout.rolloutTopkIds, lists);
        DjlChecks.shape("rollout_topk_log_probs", rollout.rolloutTopkLogProbs, lists);
        DjlChecks.integer("rollout_topk_ids", rollout.rolloutTopkIds);
        if (vocab != Long.MAX_VALUE) {
            checks.ids("rollout_topk_ids", rollout.rolloutTopkIds, vocab, false);
        }
        checks.distinct("rollout_topk_ids", rollout.rolloutTopkIds);
        checks.logProbs("rollout_log_probs", rollout.rolloutLogProbs);
        checks.logProbs("rollout_topk_log_probs", rollout.rolloutTopkLogProbs);
    }

    /** An optional input [B,T]: its shape and values when given. */
    private static void optional(String name, NDArray a, Shape tokens, BiConsumer<String, NDArray> rule) {
        if (a != null) {
            DjlChecks.shape(name, a, tokens);
            rule.accept(name, a);
        }
    }

    /** The target's top-k lists of the log-prob entry point, [B,T,k]. */
    static void target(TargetTopK target, Shape lists, long vocab, DjlChecks checks) {
        DjlChecks.shape("target_topk_ids", target.ids, lists);
        DjlChecks.shape("target_topk_log_probs", target.logProbs, lists);
        DjlChecks.shape("target_log_probs_at_rollout_topk", target.logProbsAtRolloutTopK, lists);
        DjlChecks.integer("target_topk_ids", target.ids);
        checks.ids("target_topk_ids", target.ids, vocab, false);
        checks.distinct("target_topk_ids", target.ids);
        checks.logProbs("target_topk_log_probs", target.logProbs);
        checks.logProbs("target_log_probs_at_rollout_topk", target.logProbsAtRolloutTopK);
        if (target.rolloutLogProbsAtTargetTopK != null) {
            DjlChecks.shape("rollout_log_probs_at_target_topk", target.rolloutLogProbsAtTargetTopK, lists);
            checks.logProbs("rollout_log_probs_at_target_topk", target.rolloutLogProbsAtTargetTopK);
        }
    }

    /** k = {@code jackpot_log_probs_to_keep} ≤ V: a top-k list holds k distinct ids in [0, V). */
    private static void topKFits(int k, long vocab, String name) {
        if (vocab != Long.MAX_VALUE && k > vocab) {
            throw new IllegalArgumentException("jackpot_log_probs_to_keep = " + k + " exceeds the vocabulary V = " + vocab
                    + " of " + name + "; k must be <= V (a top-k list holds k distinct ids)");
        }
    }

    /**
     * The actor's own inputs (MATH.md §8), checked under their names before the actor's loss reuses the
     * policy path (where they would be called {@code policy_logits} and {@code old_log_probs}); the
     * arrays are attached to a sub-manager of the caller's.
     */
    static void actor(int k, NDArray actorLogits, RolloutBatch rollout) {
        Shape shape = actorLogits.getShape();
        if (shape.dimension() != 3) {
            throw new IllegalArgumentException("actor_logits has shape " + shape + " but must be [B,T,V]");
        }
        DjlChecks.floating("actor_logits", actorLogits);
        Shape tokens = new Shape(shape.get(0), shape.get(1));
        topKFits(k, shape.get(2), "actor_logits");
        agree("actor_logits", actorLogits, tokens, rollout);
        DjlChecks checks = DjlChecks.deferred(true);
        checks.logits("actor_logits", actorLogits);
        if (rollout.actorOldLogProbs != null) {
            DjlChecks.shape("actor_old_log_probs", rollout.actorOldLogProbs, tokens);
            checks.logProbs("actor_old_log_probs", rollout.actorOldLogProbs);
        } else if (rollout.rolloutLogProbs != null) { // the default anchor
            DjlChecks.shape("rollout_log_probs", rollout.rolloutLogProbs, tokens);
            checks.logProbs("rollout_log_probs", rollout.rolloutLogProbs);
        }
        checks.verify();
    }

    /** The inputs of the distillation loss (MATH.md §8): both logits [B,T,V] and {@code response_mask}. */
    static void distillation(NDArray policyLogits, NDArray actorLogits, RolloutBatch rollout) {
        Shape shape = policyLogits.getShape();
        if (shape.dimension() != 3) {
            throw new IllegalArgumentException("policy_logits has shape " + shape + " but must be [B,T,V]");
        }
        DjlChecks.shape("actor_logits", actorLogits, shape);
        DjlChecks.floating("policy_logits", policyLogits);
        DjlChecks.floating("actor_logits", actorLogits);
        DjlChecks checks = DjlChecks.deferred(true);
        checks.logits("actor_logits", actorLogits);
        checks.logits("policy_logits", policyLogits);
        if (rollout.responseMask != null) {
            DjlChecks.shape("response_mask", rollout.responseMask, new Shape(shape.get(0), shape.get(1)));
            checks.mask("response_mask", rollout.responseMask);
        }
        checks.verify();
    }

    /**
     * The entry from logits: k ≤ V, and the logits' [B,T] agree with {@code token_ids}'s (so that a
     * wrong logits shape names the logits, not every rollout input measured against them).
     */
    static void logitsEntry(int k, String name, NDArray logits, RolloutBatch rollout) {
        Shape shape = logits.getShape();
        if (shape.dimension() != 3) {
            throw new IllegalArgumentException(name + " has shape " + shape + " but must be [B,T,V]");
        }
        topKFits(k, shape.get(2), name);
        agree(name, logits, new Shape(shape.get(0), shape.get(1)), rollout);
    }

    /**
     * The entry from log-probs: k ≤ V of {@code rollout_logits} when given, and [B,T] agreeing with
     * {@code token_ids}; with V unknown, ids can still be negative (checked on the trusted path too).
     */
    static void logProbsEntry(int k, NDArray logProbs, RolloutBatch rollout, DjlChecks checks) {
        if (rollout.rolloutLogits != null && rollout.rolloutLogits.getShape().dimension() == 3) {
            topKFits(k, rollout.rolloutLogits.getShape().get(2), "rollout_logits");
        }
        agree("log_probs", logProbs, logProbs.getShape(), rollout);
        if (rollout.rolloutLogits == null) {
            checks.ids("token_ids", rollout.tokenIds, Long.MAX_VALUE, true);
            checks.ids("rollout_topk_ids", rollout.rolloutTopkIds, Long.MAX_VALUE, true);
        }
    }

    private static void agree(String name, NDArray a, Shape tokens, RolloutBatch rollout) {
        Shape ids = rollout.tokenIds.getShape();
        if (!ids.equals(tokens)) {
            throw new IllegalArgumentException(name + " has shape " + a.getShape() + " but token_ids has shape " + ids
                    + ": their [B,T] must agree");
        }
    }
}
