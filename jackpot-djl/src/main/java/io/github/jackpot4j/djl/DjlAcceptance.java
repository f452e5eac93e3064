package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * OBRS acceptance and the rejection mask of MATH.md §3 on NDArrays [B,T]: a_t = min(1, exp(Δ_t)/λ)
 * with Δ_t = ℓ_tgt − ℓ_inf, and Mask_t = 1 iff u_t &lt; a_t at a valid token. Off the Jackpot path
 * (§6 baselines) every valid token is accepted.
 *
 * @param ratio      exp(Δ_t), shared with the weights of §6
 * @param acceptance a_t
 * @param accept     Mask_t as float 0/1
 */
record DjlAcceptance(NDArray ratio, NDArray acceptance, NDArray accept) {

    /**
     * @param uniforms the draws u_t (the core's {@code RejectionUniforms}, uploaded), or null off the Jackpot path
     */
    static DjlAcceptance of(NDArray delta, double lambda, NDArray uniforms, NDArray valid) {
        NDArray ratio = delta.exp();
        NDArray acceptance = ratio.div((float) lambda).minimum(1f);
        NDArray accept = uniforms != null
                ? uniforms.lt(acceptance).toType(DataType.FLOAT32, false).mul(valid)
                : valid.duplicate(); // never hand the caller's own mask back as an output
        return new DjlAcceptance(ratio, acceptance, accept);
    }
}
