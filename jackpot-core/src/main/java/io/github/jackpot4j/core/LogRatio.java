package io.github.jackpot4j.core;

/**
 * Differences of log-probs that stay defined when both sides are −∞ (MATH.md §1: −∞ is legal).
 */
final class LogRatio {
    /** verl's safety bound on log-ratios before exponentiation (MATH.md §7). */
    static final double CLAMP = 20.0;

    private LogRatio() {
    }

    /** x − y, with (−∞) − (−∞) = 0: two zero probabilities have ratio 1. */
    static double of(double x, double y) {
        return x == y ? 0.0 : x - y;
    }

    /** {@link #of} clamped to [−20, 20]. */
    static double clamped(double x, double y) {
        double d = of(x, y);
        return d < -CLAMP ? -CLAMP : (d > CLAMP ? CLAMP : d);
    }
}
