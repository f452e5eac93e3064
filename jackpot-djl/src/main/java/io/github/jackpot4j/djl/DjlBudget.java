package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
    private static final double LOG_LAMBDA_MIN = Math.log(LAMBDA_MIN);
    private static final double LOG_LAMBDA_MAX = Math.log(LAMBDA_MAX);
    private static final double LOG_TOLERANCE = 1e-7;
    private static final double BEYOND = 40.0;

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

    static double solve(JackpotConfig config, NDArray delta, NDArray valid) {
        double target = config.targetAcceptance();
        NDArray isValid = valid.gt(0f);
        NDArray finite = delta.isInfinite().logicalNot().logicalAnd(isValid);
        NDArray plusInf = delta.isInfinite().logicalAnd(delta.gt(0f)).logicalAnd(isValid);
        if (valid.isEmpty()) {
            return config.lambda(); // an empty batch (B = 0 or T = 0): as the core, the configured λ
        }
        float big = Float.MAX_VALUE;
        float[] s = NDArrays.stack(new ai.djl.ndarray.NDList(valid.sum(),
                finite.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).sum(),
                plusInf.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).sum(),
                NDArrays.where(finite, delta, delta.onesLike().mul(big)).min(),
                NDArrays.where(finite, delta, delta.onesLike().mul(-big)).max())).toFloatArray();
        double n = s[0];
        double nFinite = s[1];
        double alwaysAccepted = s[2];
        if (nFinite == 0 || n == 0) {
            return config.lambda();
        }
        double min = s[3];
        double max = s[4];
        double reachable = (alwaysAccepted + nFinite) / n;
        if (target >= reachable) {
            return Math.exp(min);
        }
        if (target <= alwaysAccepted / n) {
            return Math.exp(max + BEYOND);
        }
        // −∞ (not 0) off the finite valid tokens: exp(Δ − max Δ) of a 0 there can overflow to ∞, and ∞ · 0 = NaN
        NDArray finiteDelta = NDArrays.where(finite, delta, delta.onesLike().mul(Float.NEGATIVE_INFINITY));
        NDArray finiteMask = finite.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        if (mean(finiteDelta, finiteMask, alwaysAccepted, n, max) > target) {
            // above the largest finite ratio every acceptance is exp(Δ)/λ < 1: closed form
            double logSum = max + Math.log(finiteDelta.sub((float) max).exp().mul(finiteMask).sum().getFloat());
            return Math.exp(logSum - Math.log(target * n - alwaysAccepted));
        }
        // The root is in [min Δ, max Δ]; only its part inside [log 1e-30, log 1e30] matters (λ is clamped
        // there), and there 1e-7 is far above the spacing of doubles. On the whole bracket it need not be:
        // with |Δ| beyond ~1e9 (legal log-probs such as -1e30) adjacent doubles are more than 1e-7 apart,
        // the midpoint stops moving and an absolute tolerance is never reached.
        double lo = Math.max(min, LOG_LAMBDA_MIN);
        double hi = Math.min(max, LOG_LAMBDA_MAX);
        if (lo >= hi) {
            return max <= LOG_LAMBDA_MIN ? LAMBDA_MIN : LAMBDA_MAX;
        }
        while (hi - lo > LOG_TOLERANCE) {
            double mid = 0.5 * (lo + hi);
            if (mid <= lo || mid >= hi) {
                break;
            }
            if (mean(finiteDelta, finiteMask, alwaysAccepted, n, mid) > target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Math.exp(0.5 * (lo + hi));
    }

    private static double mean(NDArray finiteDelta, NDArray finiteMask, double alwaysAccepted, double n,
                               double logLambda) {
        try (NDArray d = finiteDelta.sub((float) logLambda);
             NDArray e = d.exp();
             NDArray a = e.minimum(1f);
             NDArray masked = a.mul(finiteMask);
             NDArray sum = masked.sum()) {
            return (alwaysAccepted + sum.getFloat()) / n;
        }
    }
}
