package io.github.jackpot4j.core;

/**
 * The distribution OBRS aligns the rollout model to (MATH.md §2), key {@code jackpot_target}.
 */
public enum Target {
    /** p_tgt = SG(p_θ): the current policy, ℓ_tgt = SG(log_probs). Algorithm 1's choice; suits staleness. */
    LATEST("latest"),
    /** p_tgt = p_ref: the PPO anchor, ℓ_tgt = old_log_probs. Suits mild mismatch. */
    REFERENCE("reference");

    private final String key;

    Target(String key) {
        this.key = key;
    }

    /** The value as written in configuration maps. */
    public String key() {
        return key;
    }
}
