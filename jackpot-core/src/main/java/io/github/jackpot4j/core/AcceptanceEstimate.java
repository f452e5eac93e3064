package io.github.jackpot4j.core;

/**
 * How the batch acceptance rate ᾱ̂ in the bias correction κ is estimated (MATH.md §5), key
 * {@code jackpot_acceptance_estimate}.
 */
public enum AcceptanceEstimate {
    /** ᾱ̂ = mean of the sampled accept mask (the paper, §4.4.2). */
    SAMPLED,
    /** ᾱ̂ = mean of the acceptance probabilities a_t: same expectation, lower variance. */
    EXPECTED;

    /** The value as written in configuration maps. */
    public String key() {
        return ConfigKeys.of(this);
    }
}
