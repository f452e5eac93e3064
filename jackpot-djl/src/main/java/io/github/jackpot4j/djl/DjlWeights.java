package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import io.github.jackpot4j.core.JackpotConfig;

/**
 * The weights of MATH.md §6 on NDArrays [B,T], stop-gradient: w_t = Z_t · max(λ, exp(Δ_t)) (1 with
 * {@code jackpot_mask_only}) and ρ_t = min(w_t, c1) · F(exp(ℓ_old − ℓ_tgt)); off the Jackpot path the
 * baseline ρ_t = F(exp(ℓ_old − ℓ_inf)). 0 at padding.
 *
 * @param weights       ρ_t
 * @param obrsClipped   1 where w_t &gt; c1 (for {@code jackpot/obrs_clip_frac})
 * @param residualRatio the argument of F (for {@code jackpot/residual_clip_frac})
 */
record DjlWeights(NDArray weights, NDArray obrsClipped, NDArray residualRatio) {

    /** The log-probs the weights read: ℓ_old, ℓ_tgt (§2) and ℓ_inf. */
    record LogProbs(NDArray old, NDArray target, NDArray rollout) {
    }

    static DjlWeights of(JackpotConfig config, NDArray z, DjlAcceptance acceptance, double lambda, LogProbs lp,
                         NDArray valid) {
        NDArray weights;
        NDArray residualRatio;
        NDArray obrsClipped;
        if (config.useJackpot()) {
            NDArray w = config.maskOnly() ? valid.onesLike()
                    : NDArrays.where(z.eq(0f), z.zerosLike(), z.mul(acceptance.ratio().maximum((float) lambda)));
            obrsClipped = w.gt((float) config.weightClip()).toType(DataType.FLOAT32, false);
            residualRatio = DjlMath.clampedLogRatioNoGrad(lp.old(), lp.target()).exp();
            weights = w.minimum((float) config.weightClip())
                    .mul(DjlResidualCorrection.apply(config.residualCorrection(), residualRatio));
        } else {
            obrsClipped = valid.zerosLike();
            residualRatio = DjlMath.clampedLogRatioNoGrad(lp.old(), lp.rollout()).exp();
            weights = DjlResidualCorrection.apply(config.residualCorrection(), residualRatio);
        }
        return new DjlWeights(weights.mul(valid).stopGradient(), obrsClipped, residualRatio);
    }
}
