package io.github.jackpot4j.core;

/**
 * What the budget solver (MATH.md §9) needs to know of a batch's log-ratios Δ_t = ℓ_tgt − ℓ_inf over
 * its valid tokens, wherever they live: the core reads them from its arrays, a device backend (the
 * DJL adapter) computes these few numbers on the device. {@link Jackpot#solveLambda(JackpotConfig,
 * BudgetCurve)} runs the one bracketing-and-bisection algorithm on any curve, so every backend solves
 * λ the same way.
 */
public interface BudgetCurve {
    /** N: the valid tokens. */
    double validTokens();

    /** Valid tokens with a finite Δ. */
    double finiteTokens();

    /** Valid tokens with Δ = +∞ (p_inf = 0 &lt; p_tgt): accepted at any λ. */
    double alwaysAccepted();

    /** The smallest finite Δ (unused when {@link #finiteTokens()} is 0). */
    double minLogRatio();

    /** The largest finite Δ (unused when {@link #finiteTokens()} is 0). */
    double maxLogRatio();

    /** The mean acceptance (n₊ + Σ_finite min(1, exp(Δ − log λ))) / N at λ = exp({@code logLambda}). */
    double meanAcceptance(double logLambda);

    /** log Σ_finite exp(Δ), for the closed form above the largest ratio. */
    double logSumExp();
}
