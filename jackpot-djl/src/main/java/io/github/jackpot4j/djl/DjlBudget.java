package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import io.github.jackpot4j.core.JackpotConfig;

/**
 * Budget mode (MATH.md §9) on the device, with the core's algorithm ({@code BudgetSolver}): the λ at
 * which the mean acceptance over valid tokens equals {@code jackpot_target_acceptance}. Δ stays on the
 * device; each step of the bisection reads back one scalar.
 */
final class DjlBudget {
    private static final double LOG_TOLERANCE = 1e-7;
    private static final double BEYOND = 40.0;

    private DjlBudget() {
    }

    static double solve(JackpotConfig config, NDArray delta, NDArray valid) {
        double target = config.targetAcceptance();
        NDArray isValid = valid.gt(0f);
        NDArray finite = delta.isInfinite().logicalNot().logicalAnd(isValid);
        NDArray plusInf = delta.isInfinite().logicalAnd(delta.gt(0f)).logicalAnd(isValid);
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
        NDArray finiteDelta = NDArrays.where(finite, delta, delta.zerosLike());
        NDArray finiteMask = finite.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        if (mean(finiteDelta, finiteMask, alwaysAccepted, n, max) > target) {
            // above the largest finite ratio every acceptance is exp(Δ)/λ < 1: closed form
            double logSum = max + Math.log(finiteDelta.sub((float) max).exp().mul(finiteMask).sum().getFloat());
            return Math.exp(logSum - Math.log(target * n - alwaysAccepted));
        }
        double lo = min;
        double hi = max;
        while (hi - lo > LOG_TOLERANCE) {
            double mid = 0.5 * (lo + hi);
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
        try (NDArray a = finiteDelta.sub((float) logLambda).exp().minimum(1f).mul(finiteMask).sum()) {
            return (alwaysAccepted + a.getFloat()) / n;
        }
    }
}
