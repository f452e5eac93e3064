package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;

import java.util.Arrays;
import java.util.List;

/**
 * The target side of the top-k union when the caller has log-probs instead of logits (MATH.md §1):
 * {@code target_topk_ids}/{@code target_topk_log_probs} [B,T,k], {@code target_log_probs_at_rollout_topk}
 * [B,T,k], and optionally {@code rollout_log_probs_at_target_topk} [B,T,k].
 */
public final class TargetTopK {
    final NDArray ids;
    final NDArray logProbs;
    final NDArray logProbsAtRolloutTopK;
    final NDArray rolloutLogProbsAtTargetTopK;

    /**
     * @param ids                         target top-k ids [B,T,k]
     * @param logProbs                    their target log-probs [B,T,k]
     * @param logProbsAtRolloutTopK       target log-probs at the rollout top-k ids [B,T,k]
     * @param rolloutLogProbsAtTargetTopK rollout log-probs at {@code ids} [B,T,k], or null (then the
     *                                    {@code jackpot_missing_rollout_prob} rule applies)
     */
    public TargetTopK(NDArray ids, NDArray logProbs, NDArray logProbsAtRolloutTopK, NDArray rolloutLogProbsAtTargetTopK) {
        if (ids == null || logProbs == null || logProbsAtRolloutTopK == null) {
            throw new IllegalArgumentException("target_topk_ids, target_topk_log_probs and"
                    + " target_log_probs_at_rollout_topk are required");
        }
        this.ids = ids;
        this.logProbs = logProbs;
        this.logProbsAtRolloutTopK = logProbsAtRolloutTopK;
        this.rolloutLogProbsAtTargetTopK = rolloutLogProbsAtTargetTopK;
    }

    /** Every array, null where not given. */
    List<NDArray> arrays() {
        return Arrays.asList(ids, logProbs, logProbsAtRolloutTopK, rolloutLogProbsAtTargetTopK);
    }
}
