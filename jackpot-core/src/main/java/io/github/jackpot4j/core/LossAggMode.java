package io.github.jackpot4j.core;

/**
 * How per-token losses become one scalar (MATH.md §7), with verl's {@code agg_loss} names, over the
 * loss mask m_t = response_mask_t · Mask_t. A sequence "counts" when it has at least one token with
 * m_t = 1.
 */
public enum LossAggMode {
    /** Σ loss / Σ m (the global count of accepted tokens when statistics are given). */
    TOKEN_MEAN,
    /** Σ loss. */
    TOKEN_SUM,
    /** (1/S) Σ_b Σ_t loss, S = number of sequences that count. */
    SEQ_MEAN_TOKEN_SUM,
    /** (1/S) Σ_b (Σ_t loss / Σ_t m). */
    SEQ_MEAN_TOKEN_MEAN,
    /** Σ_b Σ_t loss / scale, scale = {@code loss_scale_factor} or T (Dr. GRPO). */
    SEQ_MEAN_TOKEN_SUM_NORM;

    /** The verl name, e.g. {@code "seq-mean-token-mean"}. */
    public String key() {
        return ConfigKeys.of(this);
    }
}
