package io.github.jackpot4j.core;

/**
 * The per-token PPO/GRPO objective L_t of MATH.md §7 (verl's "vanilla" loss) and its derivative
 * with respect to ℓ_new. A mutable evaluator, one per worker: {@link #evaluate} leaves the value,
 * the derivative and the clip indicators in fields, so the hot loop allocates nothing.
 */
final class PolicyObjective {
    private final boolean ppoClip;
    private final double lowerBound;
    private final double upperBound;
    private final double dualClip;

    double value;
    double derivative;
    boolean clipped;
    boolean dualClipped;

    PolicyObjective(JackpotConfig config) {
        ppoClip = config.ppoClip();
        lowerBound = 1.0 - config.clipRatioLow();
        upperBound = 1.0 + config.clipRatioHigh();
        dualClip = config.dualClip();
    }

    void evaluate(double advantage, double logProb, double oldLogProb) {
        double logRatio = LogRatio.of(logProb, oldLogProb);
        boolean clampActive = logRatio < -LogRatio.CLAMP || logRatio > LogRatio.CLAMP;
        double r = Math.exp(LogRatio.clamped(logProb, oldLogProb));
        double unclipped = -advantage * r;
        clipped = false;
        dualClipped = false;
        if (!ppoClip) {
            value = unclipped;
            derivative = clampActive ? 0.0 : unclipped; // d(−Â e^x)/dx = −Â e^x
            return;
        }
        double clippedLoss = -advantage * Math.min(Math.max(r, lowerBound), upperBound);
        double loss;
        double grad;
        if (unclipped >= clippedLoss) {
            loss = unclipped;
            grad = unclipped;
        } else {
            // The clipped branch is larger only when r lies outside the clip range: constant in ℓ_new.
            loss = clippedLoss;
            grad = 0.0;
            clipped = true;
        }
        if (advantage < 0) {
            double dualBound = -advantage * dualClip;
            if (loss > dualBound) {
                loss = dualBound;
                grad = 0.0;
                dualClipped = true;
            }
        }
        value = loss;
        derivative = clampActive ? 0.0 : grad;
    }
}
