package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import io.github.jackpot4j.core.BudgetCurve;
import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotConfig;

/**
 * Budget mode (MATH.md §9) on the device, with the core's algorithm ({@code BudgetSolver}): the λ at
 * which the mean acceptance over valid tokens equals {@code jackpot_target_acceptance}. Δ stays on the
 * device; each step of the bisection reads back one scalar.
 *
 * <p><b>The range of λ.</b> The device computes in float32, where a λ below about 1e-38 (subnormal or
 * 0) or above 3.4e38 (∞) would make exp(Δ)/λ, p/λ and max(λ, exp(Δ)) ∞ or 0/0 = NaN. Both sources of
 * λ stay inside [{@link JackpotConfig#MIN_LAMBDA}, {@link JackpotConfig#MAX_LAMBDA}] = [1e-30, 1e30]:
 * {@code jackpot_lambda} is validated to that range when the configuration is built, and the core's
 * solver clamps its answer to it, so {@code jackpot/lambda} reports the λ used. Inside the range
 * every a_t, p/λ and w_t is exact in float32; the clamp only changes a_t = min(1, e^Δ/λ) for tokens
 * with e^Δ below 1e-30 (Δ &lt; −69), where a_t is 0 to float precision either way.
 */
final class DjlBudget {
    private DjlBudget() {
    }

    /** The λ of this batch: {@code jackpot_lambda}, or solved in budget mode; in [1e-30, 1e30] either way. */
    static double lambda(JackpotConfig config, NDArray delta, NDArray valid) {
        return config.budgetMode() ? solve(config, delta, valid) : config.lambda();
    }

    /**
     * Budget mode: the core's algorithm ({@link Jackpot#solveLambda(JackpotConfig, BudgetCurve)}) on a
     * curve whose sums are computed on the device; the bracketing, closed form and bisection are the
     * core's, written once.
     */
    static double solve(JackpotConfig config, NDArray delta, NDArray valid) {
        if (valid.isEmpty()) {
            return config.lambda(); // an empty batch (B = 0 or T = 0): as the core, the configured λ
        }
        return Jackpot.solveLambda(config, new DeviceCurve(delta, valid));
    }

    /** Δ on the device: five scalars read once, then one scalar per evaluation of the mean acceptance. */
    private static final class DeviceCurve implements BudgetCurve {
        private final double n;
        private final double nFinite;
        private final double alwaysAccepted;
        private final double min;
        private final double max;
        private final NDArray finiteDelta;
        private final NDArray finiteMask;

        DeviceCurve(NDArray delta, NDArray valid) {
            NDArray isValid = valid.gt(0f);
            NDArray finite = delta.isInfinite().logicalNot().logicalAnd(isValid);
            NDArray plusInf = delta.isInfinite().logicalAnd(delta.gt(0f)).logicalAnd(isValid);
            float big = Float.MAX_VALUE;
            float[] s = NDArrays.stack(new NDList(valid.sum(),
                    finite.toType(DataType.FLOAT32, false).sum(),
                    plusInf.toType(DataType.FLOAT32, false).sum(),
                    NDArrays.where(finite, delta, delta.onesLike().mul(big)).min(),
                    NDArrays.where(finite, delta, delta.onesLike().mul(-big)).max())).toFloatArray();
            n = s[0];
            nFinite = s[1];
            alwaysAccepted = s[2];
            min = s[3];
            max = s[4];
            // −∞ (not 0) off the finite valid tokens: exp(Δ − max Δ) of a 0 there can overflow to ∞, and ∞ · 0 = NaN
            finiteDelta = NDArrays.where(finite, delta, delta.onesLike().mul(Float.NEGATIVE_INFINITY));
            finiteMask = finite.toType(DataType.FLOAT32, false);
        }

        @Override
        public double validTokens() {
            return n;
        }

        @Override
        public double finiteTokens() {
            return nFinite;
        }

        @Override
        public double alwaysAccepted() {
            return alwaysAccepted;
        }

        @Override
        public double minLogRatio() {
            return min;
        }

        @Override
        public double maxLogRatio() {
            return max;
        }

        @Override
        public double meanAcceptance(double logLambda) {
            try (NDArray d = finiteDelta.sub((float) logLambda);
                 NDArray e = d.exp();
                 NDArray a = e.minimum(1f);
                 NDArray masked = a.mul(finiteMask);
                 NDArray sum = masked.sum()) {
                return (alwaysAccepted + sum.getFloat()) / n;
            }
        }

        @Override
        public double logSumExp() {
            try (NDArray shifted = finiteDelta.sub((float) max);
                 NDArray e = shifted.exp();
                 NDArray masked = e.mul(finiteMask);
                 NDArray sum = masked.sum()) {
                return max + Math.log(sum.getFloat());
            }
        }
    }
}
