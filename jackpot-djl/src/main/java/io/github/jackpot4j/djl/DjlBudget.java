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
 * 0) or above 3.4e38 (∞) would make exp(Δ)/λ, p/λ and max(λ, exp(Δ)) ∞ or 0/0 = NaN. So the λ the
 * adapter uses — {@code jackpot_lambda}, or the budget solver's answer (e.g. e^(max Δ + 40), or
 * exp(min Δ) for a Δ of −100) — is clamped to [{@link #LAMBDA_MIN}, {@link #LAMBDA_MAX}] =
 * [1e-30, 1e30], the range documented for the core's {@code BudgetSolver}, and {@code jackpot/lambda}
 * reports the clamped value. Inside the range every a_t, p/λ and w_t is exact in float32; the clamp
 * only changes a_t = min(1, e^Δ/λ) for tokens with e^Δ below 1e-30 (Δ < −69), where a_t is 0 to float
 * precision either way.
 */
final class DjlBudget {
    /** Smallest λ the adapter uses (see the class comment). */
    static final double LAMBDA_MIN = 1e-30;
    /** Largest λ the adapter uses (see the class comment). */
    static final double LAMBDA_MAX = 1e30;

    private DjlBudget() {
    }

    /** The λ of this batch: {@code jackpot_lambda}, or solved in budget mode; clamped to [1e-30, 1e30]. */
    static double lambda(JackpotConfig config, NDArray delta, NDArray valid) {
        return clamp(config.budgetMode() ? solve(config, delta, valid) : config.lambda());
    }

    /** λ clamped to [{@link #LAMBDA_MIN}, {@link #LAMBDA_MAX}] (NaN is impossible: both sources are checked). */
    static double clamp(double lambda) {
        return Math.min(LAMBDA_MAX, Math.max(LAMBDA_MIN, lambda));
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
