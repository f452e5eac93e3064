package io.github.jackpot4j.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Every option of the Jackpot loss (MATH.md §11), immutable and validated when built. Build it in
 * code with {@link #builder()}, or carry a verl YAML over with {@link #fromMap(Map)} /
 * {@link #fromProperties(Properties)} using exactly verl's snake_case keys ({@code jackpot_lambda},
 * {@code loss_agg_mode}, ...). {@link #toMap()} gives the same keys back with every default spelled
 * out, so a run can be reproduced from its log. Unknown keys and out-of-range values are
 * {@link IllegalArgumentException}s that name the key.
 *
 * <p>The full key table with defaults is in {@code docs/config.md}.
 */
public final class JackpotConfig {
    /** The configuration keys, in the order of MATH.md §11. */
    public static final List<String> KEYS = List.of(
            "use_jackpot", "jackpot_log_probs_to_keep", "jackpot_lambda", "jackpot_clip_ratio",
            "jackpot_use_latest_logits", "jackpot_use_topk_renorm", "jackpot_mask_only", "jackpot_target",
            "jackpot_bias_correction", "jackpot_acceptance_estimate", "jackpot_missing_rollout_prob",
            "jackpot_target_acceptance", "jackpot_seed", "rollout_is", "rollout_is_threshold", "clip_ratio",
            "clip_ratio_low", "clip_ratio_high", "clip_ratio_c", "ppo_clip", "loss_agg_mode", "loss_scale_factor");

    /**
     * The smallest {@code jackpot_lambda} accepted, and the floor of the budget solver's λ (MATH.md §9).
     * λ ∈ [1e-30, 1e30] is the range of likelihood-ratio thresholds e^±69: far beyond any useful budget
     * (a token with p_tgt/p_inf = e^-69 has acceptance ~0 at any practical λ), while 1/λ, p/λ and
     * λ·Z stay normal doubles, so no subnormal or infinite λ can reach the kernels (a λ of 1e-310 used
     * to give 1/λ = ∞ and NaN weights). See docs/reliability.md.
     */
    public static final double MIN_LAMBDA = 1e-30;
    /** The largest {@code jackpot_lambda} accepted, and the ceiling of the budget solver's λ; see {@link #MIN_LAMBDA}. */
    public static final double MAX_LAMBDA = 1e30;
    /**
     * The largest {@code jackpot_log_probs_to_keep} (and top-k list length of a batch): 2^20, above
     * every vocabulary in use (k ≥ V is legal), while the per-worker scratch of the union normalizer
     * (2k entries and a hash set of 8k slots) stays small and its sizes cannot overflow an int.
     */
    public static final int MAX_TOP_K = 1 << 20;
    /**
     * The largest {@code jackpot_clip_ratio} c1 (use it for "no clip"). The residual ratio is clamped
     * to e^20 (MATH.md §7), so ρ ≤ c1·e^20 &lt; 4.9e37: every weight fits a float32 and (Σρ)², Σρ² (the
     * ESS metric) fit a double for any batch.
     */
    public static final double MAX_CLIP_RATIO = 1e29;
    /**
     * The smallest {@code loss_scale_factor}: its reciprocal multiplies every per-token loss and
     * gradient, so a tiny (or subnormal) factor would overflow them (1e-320 gave ∞ and NaN).
     */
    public static final double MIN_LOSS_SCALE_FACTOR = 1e-6;

    private static final JackpotConfig DEFAULTS = builder().build();

    private final boolean useJackpot;
    private final int topK;
    private final double lambda;
    private final double weightClip;
    private final boolean useLatestLogits;
    private final boolean useTopkRenorm;
    private final boolean maskOnly;
    private final Target target;
    private final boolean biasCorrection;
    private final AcceptanceEstimate acceptanceEstimate;
    private final MissingRolloutProb missingRolloutProb;
    private final Double targetAcceptance;
    private final long seed;
    private final boolean rolloutIsToken;
    private final ResidualCorrection rolloutIsThreshold;
    private final double clipRatio;
    private final Double clipRatioLow;
    private final Double clipRatioHigh;
    private final double dualClip;
    private final boolean ppoClip;
    private final LossAggMode lossAggMode;
    private final Double lossScaleFactor;

    private JackpotConfig(Builder b) {
        useJackpot = b.useJackpot;
        topK = b.topK;
        lambda = b.lambda;
        weightClip = b.weightClip;
        useLatestLogits = b.useLatestLogits;
        useTopkRenorm = b.useTopkRenorm;
        maskOnly = b.maskOnly;
        target = b.target;
        biasCorrection = b.biasCorrection;
        acceptanceEstimate = b.acceptanceEstimate;
        missingRolloutProb = b.missingRolloutProb;
        targetAcceptance = b.targetAcceptance;
        seed = b.seed;
        rolloutIsToken = b.rolloutIsToken;
        rolloutIsThreshold = b.rolloutIsThreshold;
        clipRatio = b.clipRatio;
        clipRatioLow = b.clipRatioLow;
        clipRatioHigh = b.clipRatioHigh;
        dualClip = b.dualClip;
        ppoClip = b.ppoClip;
        lossAggMode = b.lossAggMode;
        lossScaleFactor = b.lossScaleFactor;
    }

    /** A builder with every default of MATH.md §11. */
    public static Builder builder() {
        return new Builder();
    }

    /** The configuration with every default. */
    public static JackpotConfig defaults() {
        return DEFAULTS;
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return fillBuilder(builder(), toMap());
    }

    /**
     * A fingerprint of the keys the statistics' sums depend on (the draws' seed, the acceptance's
     * target, the normalizer's k and rules; λ travels with the statistics itself), so that statistics
     * taken under another such configuration are refused (MATH.md §5). Keys that only shape the loss
     * (aggregation, clipping, κ's estimate) may differ. Computed once.
     */
    long statisticsKey() {
        long key = statisticsKey;
        if (key == 0) {
            java.util.Map<String, Object> m = new java.util.TreeMap<>(toMap());
            m.keySet().retainAll(java.util.List.of("use_jackpot", "jackpot_log_probs_to_keep", "jackpot_use_latest_logits",
                    "jackpot_use_topk_renorm", "jackpot_target", "jackpot_missing_rollout_prob", "jackpot_seed"));
            key = ((long) m.toString().hashCode() << 1) | 1; // never 0 (unset) nor Long.MIN_VALUE (unknown)
            statisticsKey = key;
        }
        return key;
    }

    private transient volatile long statisticsKey;

    /** This configuration with a different λ (and budget mode turned off). */
    public JackpotConfig withLambda(double newLambda) {
        return toBuilder().targetAcceptance(null).lambda(newLambda).build();
    }

    /**
     * Reads verl's snake_case keys (MATH.md §11). Values may be {@link Boolean}, {@link Number} or
     * {@link String} ({@code "true"}, {@code "0.5"}, {@code "inf"}, {@code "seq-mean-token-mean"}); a
     * {@code null} value leaves an optional key unset. Missing keys take their defaults.
     *
     * @throws IllegalArgumentException for an unknown key (with the closest known key) or a bad value
     */
    public static JackpotConfig fromMap(Map<String, ?> values) {
        return fillBuilder(builder(), values).build();
    }

    /** {@link #fromMap(Map)} over the string values of a {@link Properties}. */
    public static JackpotConfig fromProperties(Properties properties) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            map.put(name, properties.getProperty(name));
        }
        return fromMap(map);
    }

    private static Builder fillBuilder(Builder b, Map<String, ?> values) {
        for (Map.Entry<String, ?> e : values.entrySet()) {
            ConfigValues.apply(b, e.getKey(), e.getValue());
        }
        return b;
    }

    /** Every key of MATH.md §11 with its value; unset optional keys map to {@code null}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("use_jackpot", useJackpot);
        m.put("jackpot_log_probs_to_keep", topK);
        m.put("jackpot_lambda", lambda);
        m.put("jackpot_clip_ratio", weightClip);
        m.put("jackpot_use_latest_logits", useLatestLogits);
        m.put("jackpot_use_topk_renorm", useTopkRenorm);
        m.put("jackpot_mask_only", maskOnly);
        m.put("jackpot_target", target.key());
        m.put("jackpot_bias_correction", biasCorrection);
        m.put("jackpot_acceptance_estimate", acceptanceEstimate.key());
        m.put("jackpot_missing_rollout_prob", missingRolloutProb.key());
        m.put("jackpot_target_acceptance", targetAcceptance);
        m.put("jackpot_seed", seed);
        m.put("rollout_is", rolloutIsToken ? "token" : "none");
        m.put("rollout_is_threshold", rolloutIsThreshold.thresholdKey());
        m.put("clip_ratio", clipRatio);
        m.put("clip_ratio_low", clipRatioLow);
        m.put("clip_ratio_high", clipRatioHigh);
        m.put("clip_ratio_c", dualClip);
        m.put("ppo_clip", ppoClip);
        m.put("loss_agg_mode", lossAggMode.key());
        m.put("loss_scale_factor", lossScaleFactor);
        return Collections.unmodifiableMap(m);
    }

    /** {@code use_jackpot}: the OBRS path (MATH.md §3-§6); false gives the §6 baselines. */
    public boolean useJackpot() {
        return useJackpot;
    }

    /** {@code jackpot_log_probs_to_keep}: k of the top-k lists. */
    public int topK() {
        return topK;
    }

    /** {@code jackpot_lambda}: the OBRS budget λ (ignored in budget mode). */
    public double lambda() {
        return lambda;
    }

    /** {@code jackpot_clip_ratio}: c1, the cap on the OBRS weight w. */
    public double weightClip() {
        return weightClip;
    }

    /** {@code jackpot_use_latest_logits}: use the rollout model's log-probs at the target's top-k when given. */
    public boolean useLatestLogits() {
        return useLatestLogits;
    }

    /** {@code jackpot_use_topk_renorm}: renormalize q and p over the union before the normalizer sum. */
    public boolean useTopkRenorm() {
        return useTopkRenorm;
    }

    /** {@code jackpot_mask_only}: reject with OBRS but do not reweight (w = 1). */
    public boolean maskOnly() {
        return maskOnly;
    }

    /** {@code jackpot_target}: the distribution OBRS aligns to. */
    public Target target() {
        return target;
    }

    /** {@code jackpot_bias_correction}: scale Zapprox by the batch factor κ. */
    public boolean biasCorrection() {
        return biasCorrection;
    }

    /** {@code jackpot_acceptance_estimate}: how ᾱ̂ is estimated for κ. */
    public AcceptanceEstimate acceptanceEstimate() {
        return acceptanceEstimate;
    }

    /** {@code jackpot_missing_rollout_prob}: the rule for unknown rollout probabilities in the union. */
    public MissingRolloutProb missingRolloutProb() {
        return missingRolloutProb;
    }

    /** True when {@code jackpot_target_acceptance} is set (budget mode, MATH.md §9). */
    public boolean budgetMode() {
        return targetAcceptance != null;
    }

    /** {@code jackpot_target_acceptance}: ā of budget mode; NaN when unset. */
    public double targetAcceptance() {
        return targetAcceptance == null ? Double.NaN : targetAcceptance;
    }

    /** {@code jackpot_seed}: seed of the counter-based rejection draws u_t. */
    public long seed() {
        return seed;
    }

    /** F of MATH.md §6 as set by {@code rollout_is} and {@code rollout_is_threshold}. */
    public ResidualCorrection residualCorrection() {
        return rolloutIsToken ? rolloutIsThreshold : ResidualCorrection.none();
    }

    /** {@code clip_ratio}: ε, the default of both clip bounds. */
    public double clipRatio() {
        return clipRatio;
    }

    /** ε_low: {@code clip_ratio_low}, or {@code clip_ratio} when unset. */
    public double clipRatioLow() {
        return clipRatioLow != null ? clipRatioLow : clipRatio;
    }

    /** ε_high: {@code clip_ratio_high}, or {@code clip_ratio} when unset. */
    public double clipRatioHigh() {
        return clipRatioHigh != null ? clipRatioHigh : clipRatio;
    }

    /** {@code clip_ratio_c}: the dual-clip bound c_dual (&gt; 1). */
    public double dualClip() {
        return dualClip;
    }

    /** {@code ppo_clip}: false selects the no-clip objective L = −Â r. */
    public boolean ppoClip() {
        return ppoClip;
    }

    /** {@code loss_agg_mode}. */
    public LossAggMode lossAggMode() {
        return lossAggMode;
    }

    /** {@code loss_scale_factor}, the divisor of seq-mean-token-sum-norm; NaN when unset (then T). */
    public double lossScaleFactor() {
        return lossScaleFactor == null ? Double.NaN : lossScaleFactor;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JackpotConfig && toMap().equals(((JackpotConfig) o).toMap());
    }

    @Override
    public int hashCode() {
        return toMap().hashCode();
    }

    /** The configuration as the snake_case keys of {@link #toMap()}. */
    @Override
    public String toString() {
        return "JackpotConfig" + toMap();
    }

    /**
     * Builds a {@link JackpotConfig}; every setter takes the value of one key of MATH.md §11, and
     * {@link #build()} validates all of them together.
     */
    public static final class Builder {
        private boolean useJackpot = true;
        private int topK = 20;
        private double lambda = 1.0;
        private double weightClip = 3.0;
        private boolean useLatestLogits = true;
        private boolean useTopkRenorm = false;
        private boolean maskOnly = false;
        private Target target = Target.LATEST;
        private boolean biasCorrection = true;
        private AcceptanceEstimate acceptanceEstimate = AcceptanceEstimate.SAMPLED;
        private MissingRolloutProb missingRolloutProb = MissingRolloutProb.ZERO;
        private Double targetAcceptance = null;
        private long seed = 0L;
        private boolean rolloutIsToken = true;
        private ResidualCorrection rolloutIsThreshold = ResidualCorrection.truncate(2.0);
        private double clipRatio = 0.2;
        private Double clipRatioLow = null;
        private Double clipRatioHigh = null;
        private double dualClip = 3.0;
        private boolean ppoClip = true;
        private LossAggMode lossAggMode = LossAggMode.TOKEN_MEAN;
        private Double lossScaleFactor = null;

        private Builder() {
        }

        /** {@code use_jackpot}. */
        public Builder useJackpot(boolean v) {
            useJackpot = v;
            return this;
        }

        /** {@code jackpot_log_probs_to_keep} (1 ≤ k ≤ {@link #MAX_TOP_K}). */
        public Builder topK(int v) {
            topK = v;
            return this;
        }

        /** {@code jackpot_lambda} (λ in [{@link #MIN_LAMBDA}, {@link #MAX_LAMBDA}]). */
        public Builder lambda(double v) {
            lambda = v;
            return this;
        }

        /** {@code jackpot_clip_ratio} (0 &lt; c1 ≤ {@link #MAX_CLIP_RATIO}). */
        public Builder weightClip(double v) {
            weightClip = v;
            return this;
        }

        /** {@code jackpot_use_latest_logits}. */
        public Builder useLatestLogits(boolean v) {
            useLatestLogits = v;
            return this;
        }

        /** {@code jackpot_use_topk_renorm}. */
        public Builder useTopkRenorm(boolean v) {
            useTopkRenorm = v;
            return this;
        }

        /** {@code jackpot_mask_only}. */
        public Builder maskOnly(boolean v) {
            maskOnly = v;
            return this;
        }

        /** {@code jackpot_target}. */
        public Builder target(Target v) {
            target = Objects.requireNonNull(v, "jackpot_target");
            return this;
        }

        /** {@code jackpot_bias_correction}. */
        public Builder biasCorrection(boolean v) {
            biasCorrection = v;
            return this;
        }

        /** {@code jackpot_acceptance_estimate}. */
        public Builder acceptanceEstimate(AcceptanceEstimate v) {
            acceptanceEstimate = Objects.requireNonNull(v, "jackpot_acceptance_estimate");
            return this;
        }

        /** {@code jackpot_missing_rollout_prob}. */
        public Builder missingRolloutProb(MissingRolloutProb v) {
            missingRolloutProb = Objects.requireNonNull(v, "jackpot_missing_rollout_prob");
            return this;
        }

        /** {@code jackpot_target_acceptance}: ā ∈ (0, 1] turns budget mode on; {@code null} turns it off. */
        public Builder targetAcceptance(Double v) {
            targetAcceptance = v;
            return this;
        }

        /** {@code jackpot_seed}. */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** {@code rollout_is}: true = {@code token}, false = {@code none}. */
        public Builder rolloutIs(boolean token) {
            rolloutIsToken = token;
            return this;
        }

        /** {@code rollout_is_threshold}: TRUNCATE(C) or ICEPOP(LO, HI). */
        public Builder rolloutIsThreshold(ResidualCorrection v) {
            Objects.requireNonNull(v, "rollout_is_threshold");
            if (v.kind() == ResidualCorrection.Kind.NONE) {
                rolloutIsToken = false;
            } else {
                rolloutIsThreshold = v;
            }
            return this;
        }

        /** Sets F directly: {@link ResidualCorrection#none()} is {@code rollout_is = none}. */
        public Builder residualCorrection(ResidualCorrection v) {
            Objects.requireNonNull(v, "residual correction");
            rolloutIsToken = v.kind() != ResidualCorrection.Kind.NONE;
            return rolloutIsThreshold(v);
        }

        /** {@code clip_ratio} (ε). */
        public Builder clipRatio(double v) {
            clipRatio = v;
            return this;
        }

        /** {@code clip_ratio_low}; {@code null} = use {@code clip_ratio}. */
        public Builder clipRatioLow(Double v) {
            clipRatioLow = v;
            return this;
        }

        /** {@code clip_ratio_high}; {@code null} = use {@code clip_ratio}. */
        public Builder clipRatioHigh(Double v) {
            clipRatioHigh = v;
            return this;
        }

        /** {@code clip_ratio_c} (c_dual &gt; 1). */
        public Builder dualClip(double v) {
            dualClip = v;
            return this;
        }

        /** {@code ppo_clip}. */
        public Builder ppoClip(boolean v) {
            ppoClip = v;
            return this;
        }

        /** {@code loss_agg_mode}. */
        public Builder lossAggMode(LossAggMode v) {
            lossAggMode = Objects.requireNonNull(v, "loss_agg_mode");
            return this;
        }

        /** {@code loss_scale_factor} (≥ {@link #MIN_LOSS_SCALE_FACTOR}, finite); {@code null} = T. */
        public Builder lossScaleFactor(Double v) {
            lossScaleFactor = v;
            return this;
        }

        /**
         * Validates every value and builds the immutable configuration.
         *
         * @throws IllegalArgumentException naming the first key whose value is out of range
         */
        public JackpotConfig build() {
            require(topK >= 1, "jackpot_log_probs_to_keep", topK, "must be >= 1");
            require(topK <= MAX_TOP_K, "jackpot_log_probs_to_keep", topK, "must be <= " + MAX_TOP_K + " (2^20)");
            require(lambda > 0 && !Double.isInfinite(lambda), "jackpot_lambda", lambda, "must be > 0 and finite");
            require(lambda >= MIN_LAMBDA && lambda <= MAX_LAMBDA, "jackpot_lambda", lambda,
                    "must be in [" + MIN_LAMBDA + ", " + MAX_LAMBDA + "]");
            require(weightClip > 0 && !Double.isInfinite(weightClip), "jackpot_clip_ratio", weightClip,
                    "must be > 0 and finite");
            require(weightClip >= Double.MIN_NORMAL && weightClip <= MAX_CLIP_RATIO, "jackpot_clip_ratio", weightClip,
                    "must be a normal double <= " + MAX_CLIP_RATIO);
            if (targetAcceptance != null) {
                require(targetAcceptance > 0 && targetAcceptance <= 1, "jackpot_target_acceptance", targetAcceptance,
                        "must be in (0, 1]");
            }
            require(clipRatio >= 0 && clipRatio < 1, "clip_ratio", clipRatio, "must be in [0, 1)");
            double low = clipRatioLow != null ? clipRatioLow : clipRatio;
            double high = clipRatioHigh != null ? clipRatioHigh : clipRatio;
            require(low >= 0 && low < 1, "clip_ratio_low", low, "must be in [0, 1)");
            require(high >= 0 && !Double.isInfinite(high), "clip_ratio_high", high, "must be >= 0 and finite");
            require(dualClip > 1 && !Double.isInfinite(dualClip), "clip_ratio_c", dualClip, "must be > 1 and finite");
            if (lossScaleFactor != null) {
                require(lossScaleFactor > 0 && !Double.isInfinite(lossScaleFactor), "loss_scale_factor",
                        lossScaleFactor, "must be > 0 and finite");
                require(lossScaleFactor >= MIN_LOSS_SCALE_FACTOR, "loss_scale_factor", lossScaleFactor,
                        "must be >= " + MIN_LOSS_SCALE_FACTOR);
            }
            return new JackpotConfig(this);
        }

        private static void require(boolean ok, String key, Object value, String rule) {
            if (!ok) {
                throw new IllegalArgumentException(key + " = " + value + " " + rule);
            }
        }
    }

    /** Parses one map entry into a builder; kept apart so that the builder stays a plain setter list. */
    static final class ConfigValues {
        private ConfigValues() {
        }

        static void apply(Builder b, String key, Object value) {
            switch (key) {
                case "use_jackpot": b.useJackpot(bool(key, value)); break;
                case "jackpot_log_probs_to_keep": b.topK(integer(key, value)); break;
                case "jackpot_lambda": b.lambda(number(key, value)); break;
                case "jackpot_clip_ratio": b.weightClip(number(key, value)); break;
                case "jackpot_use_latest_logits": b.useLatestLogits(bool(key, value)); break;
                case "jackpot_use_topk_renorm": b.useTopkRenorm(bool(key, value)); break;
                case "jackpot_mask_only": b.maskOnly(bool(key, value)); break;
                case "jackpot_target": b.target(choice(key, value, Target.values())); break;
                case "jackpot_bias_correction": b.biasCorrection(bool(key, value)); break;
                case "jackpot_acceptance_estimate":
                    b.acceptanceEstimate(choice(key, value, AcceptanceEstimate.values()));
                    break;
                case "jackpot_missing_rollout_prob":
                    b.missingRolloutProb(choice(key, value, MissingRolloutProb.values()));
                    break;
                case "jackpot_target_acceptance": b.targetAcceptance(optionalNumber(key, value)); break;
                case "jackpot_seed": b.seed(longValue(key, value)); break;
                case "rollout_is": b.rolloutIs(rolloutIs(key, value)); break;
                case "rollout_is_threshold": b.rolloutIsThreshold(threshold(value)); break;
                case "clip_ratio": b.clipRatio(number(key, value)); break;
                case "clip_ratio_low": b.clipRatioLow(optionalNumber(key, value)); break;
                case "clip_ratio_high": b.clipRatioHigh(optionalNumber(key, value)); break;
                case "clip_ratio_c": b.dualClip(number(key, value)); break;
                case "ppo_clip": b.ppoClip(bool(key, value)); break;
                case "loss_agg_mode": b.lossAggMode(lossAggMode(key, value)); break;
                case "loss_scale_factor": b.lossScaleFactor(optionalNumber(key, value)); break;
                default:
                    throw new IllegalArgumentException("unknown key `" + key + "`" + suggestion(key)
                            + "; known keys: " + KEYS);
            }
        }

        private static String suggestion(String key) {
            String best = null;
            int bestDistance = Integer.MAX_VALUE;
            for (String k : KEYS) {
                int d = editDistance(key.toLowerCase(Locale.ROOT), k);
                if (d < bestDistance) {
                    bestDistance = d;
                    best = k;
                }
            }
            return bestDistance <= Math.max(2, key.length() / 4) ? " (did you mean `" + best + "`?)" : "";
        }

        static int editDistance(String a, String b) {
            int[] prev = new int[b.length() + 1];
            int[] cur = new int[b.length() + 1];
            for (int j = 0; j <= b.length(); j++) {
                prev[j] = j;
            }
            for (int i = 1; i <= a.length(); i++) {
                cur[0] = i;
                for (int j = 1; j <= b.length(); j++) {
                    int subst = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                    cur[j] = Math.min(subst, Math.min(prev[j] + 1, cur[j - 1] + 1));
                }
                int[] t = prev;
                prev = cur;
                cur = t;
            }
            return prev[b.length()];
        }

        private static IllegalArgumentException bad(String key, Object value, String expected) {
            return new IllegalArgumentException(key + " = " + value + " is not " + expected);
        }

        private static Object required(String key, Object value) {
            if (value == null) {
                throw new IllegalArgumentException(key + " = null: this key has no unset state; leave it out to get"
                        + " the default " + DEFAULTS.toMap().get(key));
            }
            return value;
        }

        private static boolean bool(String key, Object value) {
            Object v = required(key, value);
            if (v instanceof Boolean) {
                return (Boolean) v;
            }
            String s = v.toString().trim().toLowerCase(Locale.ROOT);
            if (s.equals("true")) {
                return true;
            }
            if (s.equals("false")) {
                return false;
            }
            throw bad(key, value, "a boolean (true or false)");
        }

        private static double number(String key, Object value) {
            Object v = required(key, value);
            double d;
            if (v instanceof Number) {
                d = ((Number) v).doubleValue();
            } else {
                String s = v.toString().trim().toLowerCase(Locale.ROOT);
                try {
                    d = s.equals("inf") || s.equals("+inf") || s.equals("infinity")
                            ? Double.POSITIVE_INFINITY : Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw bad(key, value, "a number");
                }
            }
            if (Double.isNaN(d)) {
                throw bad(key, value, "a number");
            }
            return d;
        }

        private static Double optionalNumber(String key, Object value) {
            if (value == null || value.toString().trim().equalsIgnoreCase("null")
                    || value.toString().trim().equals("~")) {
                return null;
            }
            return number(key, value);
        }

        private static long longValue(String key, Object value) {
            Object v = required(key, value);
            if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
                return ((Number) v).longValue();
            }
            if (v instanceof Number) {
                double d = ((Number) v).doubleValue();
                if (d != Math.rint(d) || Math.abs(d) > 9.007199254740992E15) {
                    throw bad(key, value, "a whole number");
                }
                return (long) d;
            }
            try {
                return Long.parseLong(v.toString().trim());
            } catch (NumberFormatException e) {
                throw bad(key, value, "a whole number");
            }
        }

        private static int integer(String key, Object value) {
            long l = longValue(key, value);
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw bad(key, value, "a whole number in the int range");
            }
            return (int) l;
        }

        private static String text(String key, Object value) {
            return required(key, value).toString().trim();
        }

        private static <E extends Enum<E>> E choice(String key, Object value, E[] options) {
            String s = text(key, value).toLowerCase(Locale.ROOT);
            StringBuilder allowed = new StringBuilder();
            for (E e : options) {
                String k = e.name().toLowerCase(Locale.ROOT);
                if (k.equals(s)) {
                    return e;
                }
                allowed.append(allowed.length() == 0 ? "" : " | ").append(k);
            }
            throw bad(key, value, "one of " + allowed);
        }

        private static boolean rolloutIs(String key, Object value) {
            String s = text(key, value).toLowerCase(Locale.ROOT);
            if (s.equals("token")) {
                return true;
            }
            if (s.equals("none") || s.equals("null")) {
                return false;
            }
            throw bad(key, value, "one of token | none (sequence-level IS is not part of MATH.md)");
        }

        private static ResidualCorrection threshold(Object value) {
            Object v = required("rollout_is_threshold", value);
            if (v instanceof Number) {
                return ResidualCorrection.truncate(((Number) v).doubleValue());
            }
            return ResidualCorrection.parseThreshold(v.toString());
        }

        private static LossAggMode lossAggMode(String key, Object value) {
            String s = text(key, value);
            LossAggMode m = LossAggMode.fromKey(s);
            if (m == null) {
                StringBuilder allowed = new StringBuilder();
                for (LossAggMode mode : LossAggMode.values()) {
                    allowed.append(allowed.length() == 0 ? "" : " | ").append(mode.key());
                }
                throw bad(key, value, "one of " + allowed);
            }
            return m;
        }
    }
}
