package io.github.jackpot4j.core;

/**
 * The distribution OBRS aligns the rollout model to (MATH.md §2), key {@code jackpot_target}.
 */
public enum Target {
    /** p_tgt = SG(p_θ): the current policy, ℓ_tgt = SG(log_probs). Algorithm 1's choice; suits staleness. */
    LATEST,
    /** p_tgt = p_ref: the PPO anchor, ℓ_tgt = old_log_probs. Suits mild mismatch. */
    REFERENCE;

    /** The value as written in configuration maps. */
    public String key() {
        return ConfigKeys.of(this);
    }
}
