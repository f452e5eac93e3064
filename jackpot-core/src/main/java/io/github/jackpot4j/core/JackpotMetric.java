package io.github.jackpot4j.core;

/**
 * The metrics of MATH.md §10; {@link #key()} is the logged name and part of the API. All means are
 * over valid tokens (response_mask = 1) and every value is finite for any valid input.
 */
public enum JackpotMetric {
    /** ᾱ̂ sampled: accepted / valid tokens (1 for the baselines, which reject nothing). */
    ACCEPTANCE_RATE("jackpot/acceptance_rate"),
    /** Mean of a_t = min(1, p_tgt/(λ p_inf)). */
    EXPECTED_ACCEPTANCE("jackpot/expected_acceptance"),
    /** Mean Zapprox_t. */
    Z_APPROX_MEAN("jackpot/z_approx_mean"),
    /** κ of the bias correction (1 when off, or when it falls back). */
    KAPPA("jackpot/kappa"),
    /** The λ used (the solved one in budget mode). */
    LAMBDA("jackpot/lambda"),
    /** Mean ρ_t. */
    WEIGHT_MEAN("jackpot/weight_mean"),
    /** Max ρ_t (0 for an empty batch). */
    WEIGHT_MAX("jackpot/weight_max"),
    /** Min ρ_t (0 for an empty batch). */
    WEIGHT_MIN("jackpot/weight_min"),
    /** Fraction of tokens whose OBRS weight w exceeded c1. */
    OBRS_CLIP_FRAC("jackpot/obrs_clip_frac"),
    /** Fraction of tokens whose residual ratio F clipped (TRUNCATE) or zeroed (ICEPOP). */
    RESIDUAL_CLIP_FRAC("jackpot/residual_clip_frac"),
    /** Mean size of the top-k union V_k(t) (V in full-vocabulary mode). */
    UNION_SIZE_MEAN("jackpot/union_size_mean"),
    /** Mean Σ_{V_k} q: rollout probability mass the union covers. */
    ROLLOUT_MASS("jackpot/rollout_mass"),
    /** Mean Σ_{V_k} p: target probability mass the union covers. */
    TARGET_MASS("jackpot/target_mass"),
    /** Mean ℓ_inf − ℓ_tgt (log-ratio clamped to ±20). */
    KL_K1("jackpot/kl_k1"),
    /** Mean exp(Δ) − 1 − Δ, Δ = ℓ_tgt − ℓ_inf clamped to ±20. */
    KL_K3("jackpot/kl_k3"),
    /** (Σρ)² / (n Σρ²) over accepted tokens: effective sample size fraction (0 when none). */
    ESS("jackpot/ess"),
    /** Fraction of tokens where PPO's clipped branch was active. */
    PG_CLIPFRAC("actor/pg_clipfrac"),
    /** Fraction of tokens where the dual clip (Â &lt; 0) was active. */
    PG_CLIPFRAC_LOWER("actor/pg_clipfrac_lower"),
    /** Mean ℓ_old − ℓ_new (clamped to ±20). */
    PPO_KL("actor/ppo_kl");

    private final String key;

    JackpotMetric(String key) {
        this.key = key;
    }

    /** The logged name, e.g. {@code "jackpot/kappa"}. */
    public String key() {
        return key;
    }
}
