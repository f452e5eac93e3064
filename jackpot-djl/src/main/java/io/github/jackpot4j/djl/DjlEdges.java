package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;

/**
 * Variants of NDArray operations that stay defined at the edges of the legal inputs, where the plain
 * engine op fails or gives NaN: reductions of an empty batch (B = 0 or T = 0), and KL terms at a
 * probability of 0 (a −∞ logit). Follows the memory rule of {@link DjlMath}.
 */
final class DjlEdges {
    private DjlEdges() {
    }

    /** max over all elements, or 0 for an empty array (the engine refuses a full reduction of no elements). */
    static NDArray max(NDArray x) {
        return x.isEmpty() ? x.getManager().zeros(new Shape(), x.getDataType()) : x.max();
    }

    /** min over all elements, or 0 for an empty array. */
    static NDArray min(NDArray x) {
        return x.isEmpty() ? x.getManager().zeros(new Shape(), x.getDataType()) : x.min();
    }

    /**
     * KL(P ‖ Q) per row, Σ_x P(x) (log P(x) − log Q(x)), from log-probs [..., V], with 0 · log 0 = 0: a
     * term whose P(x) = 0 (log P = −∞, a legal −∞ logit) is 0, whatever log Q(x) is — the plain product
     * would be 0 · (−∞) = NaN, in the loss and (through the product's backward) in the gradient. The
     * difference is replaced by 0 before the product, so neither branch of the select carries a NaN or
     * an ∞ into backward. A term with P(x) > 0 = Q(x) is +∞, the true divergence (Q has no mass where P
     * has some); its gradient stays finite when Q carries the gradient.
     */
    static NDArray kl(NDArray logP, NDArray logQ) {
        NDArray zeroMass = logP.eq(Float.NEGATIVE_INFINITY);
        NDArray diff = logP.sub(logQ);
        NDArray safeDiff = NDArrays.where(zeroMass, diff.zerosLike(), diff);
        return logP.exp().mul(safeDiff).sum(new int[] {-1});
    }
}
