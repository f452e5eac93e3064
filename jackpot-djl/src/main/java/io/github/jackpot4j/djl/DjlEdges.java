package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;

/**
 * Variants of NDArray operations that stay defined at the edges of the legal inputs, where the plain
 * engine op fails or gives NaN: KL terms at a probability of 0 (a −∞ logit), factors and losses
 * beyond float32. Follows the memory rule of {@link DjlMath}.
 */
final class DjlEdges {
    private DjlEdges() {
    }

    /**
     * KL(P ‖ Q) per row [B,T], Σ_x P(x) (log P(x) − log Q(x)), from log-probs [B,T,V], with 0 · log 0 = 0:
     * a term whose P(x) = 0 (log P = −∞, a legal −∞ logit) is 0 whatever log Q(x) is, and so is every
     * term of a padding token ({@code valid} = 0) — the plain product would be 0 · (−∞) = NaN in the loss
     * and, through the product's backward, in the gradient. The difference is replaced by 0 before the
     * product, so neither branch of the select carries a NaN or an ∞ into backward.
     *
     * <p>A valid token with Q(x) = 0 < P(x) has an infinite divergence (and a NaN gradient through
     * log-softmax): that is refused, naming {@code qName} and the index, instead of returning +∞.
     */
    static NDArray kl(NDArray logP, String pName, NDArray logQ, String qName, NDArray valid) {
        NDArray zeroMass = logP.eq(Float.NEGATIVE_INFINITY);
        NDArray padding = valid.expandDims(-1).eq(0f);
        NDArray ignored = zeroMass.logicalOr(padding);
        try (NDArray qZero = logQ.eq(Float.NEGATIVE_INFINITY);
             NDArray kept = ignored.logicalNot();
             NDArray infinite = qZero.logicalAnd(kept);
             NDArray any = infinite.any()) {
            if (any.getBoolean()) {
                throw new IllegalArgumentException(qName + DjlChecks.firstIndex(infinite) + " gives probability 0 where " + pName
                        + " gives a probability > 0 (at a valid token): KL(" + pName + " || " + qName + ") is infinite;"
                        + " the distillation loss needs the second distribution > 0 wherever the first is");
            }
        }
        NDArray diff = logP.sub(logQ);
        NDArray safeDiff = NDArrays.where(ignored, diff.zerosLike(), diff);
        return logP.exp().mul(safeDiff).sum(new int[] {-1});
    }

    /**
     * A non-negative factor as the largest float32 at most: κ = ᾱ / mean(Zapprox) exceeds float32 when
     * Σ Zapprox underflows (λ near its upper clamp, with tiny target probabilities), and a κ cast to
     * ∞ would turn a Zapprox of 0 into ∞ · 0 = NaN. Clamped, κ · Zapprox ≤ N · ᾱ stays finite (such
     * Zapprox are float32 subnormals: Z there is as imprecise as float32 makes it, not NaN).
     * {@code jackpot/kappa} reports the clamped value.
     */
    static double floatFactor(double x) {
        return Math.min(x, Float.MAX_VALUE);
    }

    /**
     * Refuses a loss beyond float32's range. The adapter computes in float32 (the core in double), so a
     * loss whose true value exceeds 3.4e38 — a KL between log-probs ~1e38 apart (logits near the float32
     * limit), or |Â| · ρ · r beyond it (e.g. {@code jackpot_clip_ratio} = 1e30) — would come back as ±∞
     * with a NaN gradient, wrecking an optimizer step.
     */
    static void requireFinite(float value, String what, String inputs) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException(what + " = " + value + " is beyond the float32 range the DJL adapter"
                    + " computes in; the inputs that produce it: " + inputs);
        }
    }
}
