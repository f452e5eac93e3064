package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import io.github.jackpot4j.core.JackpotConfig;

/**
 * The per-token PPO/GRPO objective L_t of MATH.md §7 (verl's "vanilla" loss) on NDArrays [B,T], as the
 * core's {@code PolicyObjective}: r_t = exp(clamp(ℓ_new − ℓ_old, ±20)), the clipped surrogate and the
 * dual clip, or −Â r_t without clipping. Autograd gives the derivative: it flows only through r_t, and
 * is 0 where the clamp or a clip is active (clip's backward, as the core's analytic derivative).
 *
 * @param value       L_t
 * @param clipped     1 where PPO's clipped branch was active ({@code actor/pg_clipfrac})
 * @param dualClipped 1 where the dual clip was active ({@code actor/pg_clipfrac_lower})
 */
record DjlPolicyObjective(NDArray value, NDArray clipped, NDArray dualClipped) {

    static DjlPolicyObjective evaluate(JackpotConfig config, NDArray logProbs, NDArray oldLogProbs,
                                       NDArray advantages) {
        NDArray r = DjlMath.clampedLogRatio(logProbs, oldLogProbs).exp();
        NDArray negAdv = advantages.neg();
        NDArray unclipped = negAdv.mul(r);
        if (!config.ppoClip()) {
            return new DjlPolicyObjective(unclipped, r.zerosLike(), r.zerosLike());
        }
        NDArray clippedRatio = DjlMath.clip(r, 1.0 - config.clipRatioLow(), 1.0 + config.clipRatioHigh());
        NDArray clippedLoss = negAdv.mul(clippedRatio);
        NDArray lc = unclipped.maximum(clippedLoss);
        NDArray clipped = clippedLoss.gt(unclipped).toType(DataType.FLOAT32, false);
        NDArray dualBound = negAdv.mul((float) config.dualClip());
        NDArray negative = advantages.lt(0f);
        NDArray dual = NDArrays.where(negative, lc.minimum(dualBound), lc);
        NDArray dualClipped = lc.gt(dualBound).logicalAnd(negative).toType(DataType.FLOAT32, false);
        return new DjlPolicyObjective(dual, clipped, dualClipped);
    }
}
