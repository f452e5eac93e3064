package io.github.jackpot4j.core;

/**
 * Whether the residual correction F of MATH.md §6 applies, key {@code rollout_is} (verl's name):
 * {@link #TOKEN} applies F as {@code rollout_is_threshold} says, {@link #NONE} makes F = 1.
 */
public enum RolloutIs {
    /** Token-level importance correction (truncated IS or IcePop, per {@code rollout_is_threshold}). */
    TOKEN,
    /** No residual correction: F(x) = 1. */
    NONE;

    /** The value as written in configuration maps. */
    public String key() {
        return ConfigKeys.of(this);
    }
}
