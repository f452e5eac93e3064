package io.github.jackpot4j.core;

/**
 * Budget mode (MATH.md §9): the λ at which the mean acceptance (1/N) Σ_t min(1, exp(Δ_t)/λ),
 * Δ_t = ℓ_tgt − ℓ_inf over valid tokens, equals a target ā. The mean is continuous and
 * non-increasing in λ. Above the largest finite exp(Δ) it equals (n₊ + Σ exp(Δ)/λ)/N and is solved in
 * closed form; below, by bisection in log λ to 1e-7 (relative tolerance of λ well under 1e-6).
 *
 * <p>Edge cases, where no λ reaches ā exactly: tokens with Δ = −∞ are never accepted, so when ā is
 * at or above the largest reachable mean the answer is the largest λ reaching it, min exp(Δ) over
 * finite Δ; tokens with Δ = +∞ are always accepted, so when ā is at or below their share the answer is
 * a λ so large (e^40 times the largest finite ratio) that no other token is accepted in practice.
 *
 * <p>Every answer is clamped to [{@link JackpotConfig#MIN_LAMBDA}, {@link JackpotConfig#MAX_LAMBDA}]
 * = [1e-30, 1e30], the range {@code jackpot_lambda} accepts: a root outside it (log-ratios beyond
 * ±69, e.g. ℓ = −1000) would give λ = exp(−999) = 0 or ∞ and NaN weights. At a clamped λ the mean
 * acceptance misses ā (reported by {@code jackpot/expected_acceptance}). The bisection runs inside
 * the clamped log range, where a double's ulp (≤ 1.5e-14) is far below the tolerance, so it always
 * terminates (with log-ratios near ±1e10 it used not to: mid-points stopped moving).
 */
final class BudgetSolver {
    private static final double LOG_TOLERANCE = 1e-7;
    private static final double BEYOND = 40.0;
    private static final double LOG_MIN = Math.log(JackpotConfig.MIN_LAMBDA);
    private static final double LOG_MAX = Math.log(JackpotConfig.MAX_LAMBDA);

    private BudgetSolver() {
    }

    static double solve(double targetAcceptance, Target target, double fallbackLambda, JackpotBatch... batches) {
        return solve(targetAcceptance, fallbackLambda, ArrayCurve.of(target, batches));
    }

    /** The algorithm of the class comment on any backend's curve; the answer clamped to [1e-30, 1e30]. */
    static double solve(double targetAcceptance, double fallbackLambda, BudgetCurve curve) {
        return clamp(solveUnclamped(targetAcceptance, fallbackLambda, curve));
    }

    /** λ clamped to [1e-30, 1e30]; NaN cannot occur (every path returns exp of a non-NaN number). */
    static double clamp(double lambda) {
        return Math.max(JackpotConfig.MIN_LAMBDA, Math.min(JackpotConfig.MAX_LAMBDA, lambda));
    }

    private static double solveUnclamped(double targetAcceptance, double fallbackLambda, BudgetCurve c) {
        double valid = c.validTokens();
        double nFinite = c.finiteTokens();
        double alwaysAccepted = c.alwaysAccepted();
        if (nFinite == 0 || valid == 0) {
            return fallbackLambda; // every token's acceptance is 0 or 1 whatever λ is
        }
        double min = c.minLogRatio();
        double max = c.maxLogRatio();
        double reachable = (alwaysAccepted + nFinite) / valid;
        if (targetAcceptance >= reachable) {
            return Math.exp(min);
        }
        double floor = alwaysAccepted / valid;
        if (targetAcceptance <= floor) {
            return Math.exp(max + BEYOND);
        }
        if (c.meanAcceptance(max) > targetAcceptance) {
            // The mean is still above ā at λ = exp(max Δ), so the root lies above it, where every
            // finite token has a = exp(Δ)/λ <= 1: solve n₊ + Σ exp(Δ - log λ) = ā N exactly.
            double logSum = c.logSumExp();
            double excess = targetAcceptance * valid - alwaysAccepted;
            if (!(excess > 0)) {
                return JackpotConfig.MAX_LAMBDA; // ā at the always-accepted share up to rounding: no λ is too large
            }
            return Math.exp(logSum - Math.log(excess));
        }
        // mean(exp(min Δ)) = reachable > ā >= mean(exp(max Δ)): the root is bracketed by [min Δ, max Δ].
        // Only its part inside the clamped range matters: a root below it clamps to MIN_LAMBDA, above to MAX_LAMBDA.
        if (min >= LOG_MAX) {
            return JackpotConfig.MAX_LAMBDA;
        }
        if (max <= LOG_MIN) {
            return JackpotConfig.MIN_LAMBDA;
        }
        double lo = Math.max(min, LOG_MIN);
        double hi = Math.min(max, LOG_MAX);
        if (lo == LOG_MIN && c.meanAcceptance(lo) <= targetAcceptance) {
            return JackpotConfig.MIN_LAMBDA; // the root lies below the range
        }
        if (hi == LOG_MAX && c.meanAcceptance(hi) > targetAcceptance) {
            return JackpotConfig.MAX_LAMBDA; // the root lies above the range
        }
        while (hi - lo > LOG_TOLERANCE) {
            double mid = 0.5 * (lo + hi);
            if (c.meanAcceptance(mid) > targetAcceptance) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Math.exp(0.5 * (lo + hi));
    }

    /** The core's curve: the finite Δ of every valid token of the batches, in a double array. */
    static final class ArrayCurve implements BudgetCurve {
        private final double[] finite;
        private final int n;
        private final long valid;
        private final long alwaysAccepted;
        private final double min;
        private final double max;

        private ArrayCurve(double[] finite, int n, long valid, long alwaysAccepted) {
            this.finite = finite;
            this.n = n;
            this.valid = valid;
            this.alwaysAccepted = alwaysAccepted;
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                lo = Math.min(lo, finite[i]);
                hi = Math.max(hi, finite[i]);
            }
            this.min = lo;
            this.max = hi;
        }

        static ArrayCurve of(Target target, JackpotBatch... batches) {
            int capacity = 0;
            for (JackpotBatch b : batches) {
                capacity += b.batchSize * b.length;
            }
            double[] finite = new double[capacity];
            int nFinite = 0;
            long valid = 0;
            long alwaysAccepted = 0;
            for (JackpotBatch b : batches) {
                FloatView targetLp = target == Target.LATEST ? b.logProbs : b.oldLogProbs;
                int n = b.batchSize * b.length;
                for (int t = 0; t < n; t++) {
                    if (b.responseMask.get(t) == 0f) {
                        continue;
                    }
                    valid++;
                    double d = LogRatio.of(targetLp.get(t), b.rolloutLogProbs.get(t));
                    if (d == Double.POSITIVE_INFINITY) {
                        alwaysAccepted++;
                    } else if (d != Double.NEGATIVE_INFINITY) {
                        finite[nFinite++] = d;
                    }
                }
            }
            return new ArrayCurve(finite, nFinite, valid, alwaysAccepted);
        }

        @Override
        public double validTokens() {
            return valid;
        }

        @Override
        public double finiteTokens() {
            return n;
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
            return BudgetSolver.meanAcceptance(finite, n, alwaysAccepted, valid, logLambda);
        }

        @Override
        public double logSumExp() {
            return BudgetSolver.logSumExp(finite, n, max);
        }
    }

    static double meanAcceptance(double[] finite, int n, long alwaysAccepted, long valid, double logLambda) {
        double sum = alwaysAccepted;
        for (int i = 0; i < n; i++) {
            sum += Math.min(1.0, Math.exp(finite[i] - logLambda));
        }
        return sum / valid;
    }

    static double logSumExp(double[] x, int n, double max) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.exp(x[i] - max);
        }
        return max + Math.log(s);
    }
}
