package io.github.jackpot4j.core;

/**
 * What the union normalizer uses for q(x) = p_inf(x) when x is in the target's top-k but not in the
 * rollout's top-k and the rollout model's log-prob there is not given (MATH.md §4), key
 * {@code jackpot_missing_rollout_prob}.
 */
public enum MissingRolloutProb {
    /** Count the term as 0, so Zapprox ≤ Z always holds. */
    ZERO,
    /** Use min(q_(k), p(x)/λ) with q_(k) the smallest rollout top-k probability (an upper bound of the term). */
    BOUND;

    /** The value as written in configuration maps. */
    public String key() {
        return ConfigKeys.of(this);
    }
}
