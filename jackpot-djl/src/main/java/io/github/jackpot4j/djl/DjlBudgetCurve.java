package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import io.github.jackpot4j.core.BudgetCurve;
import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotConfig;

/**
 * The {@link BudgetCurve} of budget mode (MATH.md §9) on the device: Δ stays there, five scalars are
 * read once, then one scalar per evaluation. The bracketing, closed form and bisection are the
 * core's ({@link Jackpot#solveLambda(JackpotConfig, BudgetCurve)}), written once.
 *
 * <p><b>The range of λ.</b> The device computes in float32, where a λ below about 1e-38 or above
 * 3.4e38 would make exp(Δ)/λ, p/λ and max(λ, exp(Δ)) ∞ or 0/0 = NaN. Both sources of λ stay inside
 * [{@link JackpotConfig#MIN_LAMBDA}, {@link JackpotConfig#MAX_LAMBDA}] = [1e-30, 1e30]: {@code jackpot_lambda}
 * is validated to that range when the configuration is built, and the core's solver clamps its answer
 * to it, so {@code jackpot/lambda} reports the λ used. Inside the range every a_t, p/λ and w_t is
 * exact in float32; the clamp only changes a_t = min(1, e^Δ/λ) for tokens with e^Δ below 1e-30
 * (Δ &lt; −69), where a_t is 0 to float precision either way.
 *
 * @param finiteDelta Δ on the finite valid tokens, −∞ elsewhere (not 0: exp(Δ − max Δ) of a 0 there
 *                    can overflow to ∞, and ∞ · 0 = NaN)
 * @param finiteMask  1 on the finite valid tokens
 */
record DjlBudgetCurve(double validTokens, double finiteTokens, double alwaysAccepted, double minLogRatio,
                      double maxLogRatio, NDArray finiteDelta, NDArray finiteMask) implements BudgetCurve {

    /** The λ of this batch: {@code jackpot_lambda}, or solved in budget mode; in [1e-30, 1e30] either way. */
    static double lambda(JackpotConfig config, NDArray delta, NDArray valid) {
        if (!config.budgetMode()) {
            return config.lambda();
        }
        if (valid.isEmpty()) {
            return config.lambda(); // an empty batch (B = 0 or T = 0): as the core, the configured λ
        }
        return Jackpot.solveLambda(config, of(delta, valid));
    }

    static DjlBudgetCurve of(NDArray delta, NDArray valid) {
        NDArray isValid = valid.gt(0f);
        NDArray finite = delta.isInfinite().logicalNot().logicalAnd(isValid);
        NDArray plusInf = delta.isInfinite().logicalAnd(delta.gt(0f)).logicalAnd(isValid);
        float big = Float.MAX_VALUE;
        float[] s = NDArrays.stack(new NDList(valid.sum(),
                finite.toType(DataType.FLOAT32, false).sum(),
                plusInf.toType(DataType.FLOAT32, false).sum(),
                NDArrays.where(finite, delta, delta.onesLike().mul(big)).min(),
                NDArrays.where(finite, delta, delta.onesLike().mul(-big)).max())).toFloatArray();
        return new DjlBudgetCurve(s[0], s[1], s[2], s[3], s[4],
                NDArrays.where(finite, delta, delta.onesLike().mul(Float.NEGATIVE_INFINITY)),
                finite.toType(DataType.FLOAT32, false));
    }

    @Override
    public double meanAcceptance(double logLambda) {
        try (NDArray d = finiteDelta.sub((float) logLambda);
             NDArray e = d.exp();
             NDArray a = e.minimum(1f);
             NDArray masked = a.mul(finiteMask);
             NDArray sum = masked.sum()) {
            return (alwaysAccepted + sum.getFloat()) / validTokens;
        }
    }

    @Override
    public double logSumExp() {
        try (NDArray shifted = finiteDelta.sub((float) maxLogRatio);
             NDArray e = shifted.exp();
             NDArray masked = e.mul(finiteMask);
             NDArray sum = masked.sum()) {
            return maxLogRatio + Math.log(sum.getFloat());
        }
    }
}
