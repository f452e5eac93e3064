package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import io.github.jackpot4j.core.JackpotConfig;

/**
 * The rollout model's view of each position (MATH.md §1): ℓ_inf [B,T] and its top-k ids and
 * log-probs [B,T,k] — from the inference engine's cache, or derived from its logits [B,T,V] — and
 * its log-softmax when its logits may be read at the target's top-k ({@code jackpot_use_latest_logits};
 * without it the missing-probability rule of §4 applies).
 *
 * @param topIds in the caller's integer type for the cache; int64 when gathered from logits
 */
record RolloutSide(NDArray logProbs, NDArray topIds, NDArray topLogProbs, NDArray logSoftmax) {

    /** Runs {@code checks} (with the rollout logits' rule) before any gather reads an id. */
    static RolloutSide of(JackpotConfig config, RolloutBatch rollout, NDArray ids, DjlChecks checks) {
        if (rollout.rolloutLogits != null) {
            checks.logits("rollout_logits", rollout.rolloutLogits);
        }
        checks.verify();
        if (rollout.rolloutLogits == null) {
            return new RolloutSide(rollout.rolloutLogProbs.toType(DataType.FLOAT32, false), rollout.rolloutTopkIds,
                    rollout.rolloutTopkLogProbs.toType(DataType.FLOAT32, false), null);
        }
        NDArray logSoftmax = rollout.rolloutLogits.toType(DataType.FLOAT32, false).logSoftmax(-1).stopGradient();
        NDArray logProbs = logSoftmax.gather(ids.expandDims(-1), -1).squeeze(-1);
        NDList top = DjlTopK.topK(logSoftmax, config.topK(), null);
        return new RolloutSide(logProbs, top.get(1), top.get(0), config.useLatestLogits() ? logSoftmax : null);
    }

    /** The same with int64 top-k ids (for a gather, or to meet int64 target ids in the union's test). */
    RolloutSide withInt64Ids() {
        return new RolloutSide(logProbs, topIds.toType(DataType.INT64, false), topLogProbs, logSoftmax);
    }
}
