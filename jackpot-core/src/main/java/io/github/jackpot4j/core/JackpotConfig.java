package io.github.jackpot4j.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Every option of the Jackpot loss (MATH.md §11), immutable and validated when built. Build it in
 * code with {@link #builder()} or a preset ({@link #ppo()}, {@link #tis()}, {@link #noClip()},
 * {@link #jackpot()}), or carry a verl YAML over with {@link #fromMap(Map)} /
 * {@link #fromProperties(Properties)} using exactly verl's snake_case keys ({@code jackpot_lambda},
 * {@code loss_agg_mode}, ...); {@link #fromSection(Map, Consumer)} picks the Jackpot keys out of a
 * whole verl {@code actor:} section. {@link #toMap()} gives the same keys back with every default
 * spelled out, so a run can be reproduced from its log. Unknown keys and out-of-range values are
 * {@link IllegalArgumentException}s that name the key.
 *
 * <p>Each key is declared once, in {@link Key}: its name, builder method, default, parser, rule and
 * documentation. {@link #KEYS}, {@link #toMap()}, {@link #fromMap(Map)}, the suggestions for
 * misspelled keys, the validation and the table of {@code docs/config.md} (checked by a test) all
 * derive from that declaration.
 */
public final class JackpotConfig {
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

    /**
     * The configuration keys of MATH.md §11, each declared once: name, builder method, default,
     * parser, validation rule and the documentation of {@code docs/config.md}'s table.
     */
    enum Key {
        USE_JACKPOT("use_jackpot", "useJackpot", true, Parse::bool, null,
                "`true`", "boolean", "OBRS path (§3-§6); `false` = baselines (§6)"),
        TOP_K("jackpot_log_probs_to_keep", "topK", 20, Parse::integer,
                v -> (int) v >= 1 ? ((int) v <= MAX_TOP_K ? null : "must be <= " + MAX_TOP_K + " (2^20)") : "must be >= 1",
                "`20`", "integer in [1, 2^20]", "k of the top-k lists; must equal the batch's k"),
        LAMBDA("jackpot_lambda", "lambda", 1.0, Parse::number,
                v -> (double) v > 0 && !Double.isInfinite((double) v)
                        ? ((double) v >= MIN_LAMBDA && (double) v <= MAX_LAMBDA ? null
                                : "must be in [" + MIN_LAMBDA + ", " + MAX_LAMBDA + "]")
                        : "must be > 0 and finite",
                "`1.0`", "[1e-30, 1e30]", "OBRS budget λ (§3)"),
        WEIGHT_CLIP("jackpot_clip_ratio", "weightClip", 3.0, Parse::number,
                v -> (double) v > 0 && !Double.isInfinite((double) v)
                        ? ((double) v >= Double.MIN_NORMAL && (double) v <= MAX_CLIP_RATIO ? null
                                : "must be a normal double <= " + MAX_CLIP_RATIO)
                        : "must be > 0 and finite",
                "`3.0`", "normal double in (0, 1e29]", "c1, cap on the OBRS weight (§6)"),
        USE_LATEST_LOGITS("jackpot_use_latest_logits", "useLatestLogits", true, Parse::bool, null,
                "`true`", "boolean", "use the rollout log-probs at the target top-k when given (§4)"),
        USE_TOPK_RENORM("jackpot_use_topk_renorm", "useTopkRenorm", false, Parse::bool, null,
                "`false`", "boolean", "renormalize q, p over the union (§4)"),
        MASK_ONLY("jackpot_mask_only", "maskOnly", false, Parse::bool, null,
                "`false`", "boolean", "reject but do not reweight: w = 1 (§6)"),
        TARGET("jackpot_target", "target", Target.LATEST, v -> Parse.choice(v, Target.values()), null,
                "`latest`", "`latest` \\| `reference`", "target distribution (§2)"),
        BIAS_CORRECTION("jackpot_bias_correction", "biasCorrection", true, Parse::bool, null,
                "`true`", "boolean", "scale Zapprox by κ (§5)"),
        ACCEPTANCE_ESTIMATE("jackpot_acceptance_estimate", "acceptanceEstimate", AcceptanceEstimate.SAMPLED,
                v -> Parse.choice(v, AcceptanceEstimate.values()), null,
                "`sampled`", "`sampled` \\| `expected`", "estimate of ᾱ̂ in κ (§5)"),
        MISSING_ROLLOUT_PROB("jackpot_missing_rollout_prob", "missingRolloutProb", MissingRolloutProb.ZERO,
                v -> Parse.choice(v, MissingRolloutProb.values()), null,
                "`zero`", "`zero` \\| `bound`", "unknown q in the union (§4)"),
        TARGET_ACCEPTANCE("jackpot_target_acceptance", "targetAcceptance", null, Parse::optionalNumber,
                v -> (double) v > 0 && (double) v <= 1 ? null : "must be in (0, 1]",
                "unset", "(0, 1] or null",
                "budget mode: solve λ for this mean acceptance (§9); overrides `jackpot_lambda`"),
        SEED("jackpot_seed", "seed", 0L, Parse::longValue, null,
                "`0`", "64-bit integer", "seed of the counter-based u_t (§3); the draws are also keyed by each"
                        + " batch's step (`JackpotBatch.Builder.step`), so one seed serves a whole run"),
        ROLLOUT_IS("rollout_is", "rolloutIs", RolloutIs.TOKEN, Parse::rolloutIs, null, "`token`", "`token` \\| `none`", "residual correction F on/off (§6)"),
        ROLLOUT_IS_THRESHOLD("rollout_is_threshold", "rolloutIsThreshold", ResidualCorrection.truncate(2.0),
                Parse::threshold, Parse::thresholdRule, "`2.0`",
                "C > 0 (≥ 1 from a map), `inf`, `\"LO_HI\"` or `[LO, HI]` with 0 ≤ LO < HI < ∞",
                "TRUNCATE min(x, C) or ICEPOP [LO, HI] (§6)"),
        CLIP_RATIO("clip_ratio", "clipRatio", 0.2, Parse::number,
                v -> (double) v >= 0 && (double) v < 1 ? null : "must be in [0, 1)",
                "`0.2`", "[0, 1)", "ε, default of both clip bounds (§7)"),
        CLIP_RATIO_LOW("clip_ratio_low", "clipRatioLow", null, Parse::optionalNumber,
                v -> (double) v >= 0 && (double) v < 1 ? null : "must be in [0, 1)",
                "unset (= `clip_ratio`)", "[0, 1)", "ε_low (§7)"),
        CLIP_RATIO_HIGH("clip_ratio_high", "clipRatioHigh", null, Parse::optionalNumber,
                v -> (double) v >= 0 && !Double.isInfinite((double) v) ? null : "must be >= 0 and finite",
                "unset (= `clip_ratio`)", "finite ≥ 0", "ε_high (§7)"),
        DUAL_CLIP("clip_ratio_c", "dualClip", 3.0, Parse::number,
                v -> (double) v > 1 && !Double.isInfinite((double) v) ? null : "must be > 1 and finite",
                "`3.0`", "finite > 1", "dual-clip bound c_dual (§7)"),
        PPO_CLIP("ppo_clip", "ppoClip", true, Parse::bool, null,
                "`true`", "boolean", "`false` = no-clip objective −Â r (§7)"),
        LOSS_AGG_MODE("loss_agg_mode", "lossAggMode", LossAggMode.TOKEN_MEAN,
                v -> Parse.choice(v, LossAggMode.values()), null, "`token-mean`",
                "`token-mean`, `token-sum`, `seq-mean-token-sum`, `seq-mean-token-mean`, `seq-mean-token-sum-norm`",
                "aggregation (§7)"),
        LOSS_SCALE_FACTOR("loss_scale_factor", "lossScaleFactor", null, Parse::optionalNumber,
                v -> (double) v > 0 && !Double.isInfinite((double) v)
                        ? ((double) v >= MIN_LOSS_SCALE_FACTOR ? null : "must be >= " + MIN_LOSS_SCALE_FACTOR)
                        : "must be > 0 and finite",
                "unset (= T)", "finite ≥ 1e-6 or null", "divisor of `seq-mean-token-sum-norm` (§7)");

        final String key;
        final String builderMethod;
        final Object defaultValue;
        final Function<Object, Object> parser;
        final Function<Object, String> rule;
        final String docDefault;
        final String docLegal;
        final String docMeaning;

        Key(String key, String builderMethod, Object defaultValue, Function<Object, Object> parser,
            Function<Object, String> rule, String docDefault, String docLegal, String docMeaning) {
            this.key = key;
            this.builderMethod = builderMethod;
            this.defaultValue = defaultValue;
            this.parser = parser;
            this.rule = rule;
            this.docDefault = docDefault;
            this.docLegal = docLegal;
            this.docMeaning = docMeaning;
        }

        /** The value as {@link #toMap()} writes it: enums and thresholds by their key. */
        Object external(Object value) {
            return value instanceof Enum ? ConfigKeys.of((Enum<?>) value)
                    : value instanceof ResidualCorrection ? ((ResidualCorrection) value).thresholdKey() : value;
        }

        /** The row of docs/config.md's table. */
        String docRow() {
            return "| `" + key + "` | `" + builderMethod + "` | " + docDefault + " | " + docLegal + " | " + docMeaning + " |";
        }

        static Key of(String name) {
            for (Key k : values()) {
                if (k.key.equals(name)) {
                    return k;
                }
            }
            return null;
        }
    }

    /** The configuration keys, in the order of MATH.md §11. */
    public static final List<String> KEYS;

    static {
        List<String> keys = new ArrayList<>();
        for (Key k : Key.values()) {
            keys.add(k.key);
        }
        KEYS = Collections.unmodifiableList(keys);
    }

    private static final JackpotConfig DEFAULTS = builder().build();

    private final Object[] values;

    private JackpotConfig(Object[] values) {
        this.values = values;
    }

    private Object get(Key k) {
        return values[k.ordinal()];
    }

    /** A builder with every default of MATH.md §11 (the same as {@link #jackpot()}). */
    public static Builder builder() {
        return new Builder();
    }

    /** Preset: Jackpot with every default of MATH.md §11 (OBRS, c1 = 3, truncated IS at 2). */
    public static Builder jackpot() {
        return builder();
    }

    /** Preset: PPO with no off-policy correction ({@code use_jackpot = false}, {@code rollout_is = none}). */
    public static Builder ppo() {
        return builder().useJackpot(false).rolloutIs(RolloutIs.NONE);
    }

    /** Preset: token-level truncated IS (TIS) at C = 2 ({@code use_jackpot = false}, {@code rollout_is = token}). */
    public static Builder tis() {
        return builder().useJackpot(false).rolloutIs(RolloutIs.TOKEN);
    }

    /** Preset: the paper's no-clip objective (§6.2): −Â r without clipping or correction. */
    public static Builder noClip() {
        return ppo().ppoClip(false);
    }

    /** The configuration with every default. */
    public static JackpotConfig defaults() {
        return DEFAULTS;
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        System.arraycopy(values, 0, b.values, 0, values.length);
        return b;
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
            Map<String, Object> m = new TreeMap<>(toMap());
            m.keySet().retainAll(List.of(Key.USE_JACKPOT.key, Key.TOP_K.key, Key.USE_LATEST_LOGITS.key,
                    Key.USE_TOPK_RENORM.key, Key.TARGET.key, Key.MISSING_ROLLOUT_PROB.key, Key.SEED.key));
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
     * Reads verl's snake_case keys (MATH.md §11). Values may be {@link Boolean}, {@link Number},
     * {@link String} ({@code "true"}, {@code "0.5"}, {@code "inf"}, {@code "seq-mean-token-mean"}) or,
     * for {@code rollout_is_threshold}, a two-element {@link List} {@code [LO, HI]}; a {@code null}
     * value leaves an optional key unset. Missing keys take their defaults.
     *
     * @throws IllegalArgumentException for an unknown key (with the closest known key) or a bad value
     */
    public static JackpotConfig fromMap(Map<String, ?> values) {
        Builder b = builder();
        for (Map.Entry<String, ?> e : values.entrySet()) {
            Key k = Key.of(e.getKey());
            if (k == null) {
                throw unknownKey(e.getKey());
            }
            b.parse(k, e.getValue());
        }
        return b.build();
    }

    /**
     * Reads the Jackpot keys of a whole verl section (e.g. {@code actor_rollout_ref.actor}, parsed from
     * YAML into a map) and hands every other key to {@code otherKeys}: pass {@code k -> { }} to ignore
     * them, or {@code list::add} to report them. A key that starts with {@code jackpot_} but is not one
     * is still an error (it is a misspelled Jackpot key, with a suggestion).
     */
    public static JackpotConfig fromSection(Map<String, ?> section, Consumer<String> otherKeys) {
        Objects.requireNonNull(otherKeys, "otherKeys");
        Map<String, Object> mine = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : section.entrySet()) {
            if (Key.of(e.getKey()) != null) {
                mine.put(e.getKey(), e.getValue());
            } else if (e.getKey().startsWith("jackpot_")) {
                throw unknownKey(e.getKey());
            } else {
                otherKeys.accept(e.getKey());
            }
        }
        return fromMap(mine);
    }

    /** {@link #fromMap(Map)} over the string values of a {@link Properties}. */
    public static JackpotConfig fromProperties(Properties properties) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            map.put(name, properties.getProperty(name));
        }
        return fromMap(map);
    }

    /** Every key of MATH.md §11 with its value; unset optional keys map to {@code null}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Key k : Key.values()) {
            m.put(k.key, k.external(get(k)));
        }
        return Collections.unmodifiableMap(m);
    }

    /** {@code use_jackpot}: the OBRS path (MATH.md §3-§6); false gives the §6 baselines. */
    public boolean useJackpot() {
        return (Boolean) get(Key.USE_JACKPOT);
    }

    /** {@code jackpot_log_probs_to_keep}: k of the top-k lists. */
    public int topK() {
        return (Integer) get(Key.TOP_K);
    }

    /** {@code jackpot_lambda}: the OBRS budget λ (ignored in budget mode). */
    public double lambda() {
        return (Double) get(Key.LAMBDA);
    }

    /** {@code jackpot_clip_ratio}: c1, the cap on the OBRS weight w. */
    public double weightClip() {
        return (Double) get(Key.WEIGHT_CLIP);
    }

    /** {@code jackpot_use_latest_logits}: use the rollout model's log-probs at the target's top-k when given. */
    public boolean useLatestLogits() {
        return (Boolean) get(Key.USE_LATEST_LOGITS);
    }

    /** {@code jackpot_use_topk_renorm}: renormalize q and p over the union before the normalizer sum. */
    public boolean useTopkRenorm() {
        return (Boolean) get(Key.USE_TOPK_RENORM);
    }

    /** {@code jackpot_mask_only}: reject with OBRS but do not reweight (w = 1). */
    public boolean maskOnly() {
        return (Boolean) get(Key.MASK_ONLY);
    }

    /** {@code jackpot_target}: the distribution OBRS aligns to. */
    public Target target() {
        return (Target) get(Key.TARGET);
    }

    /** {@code jackpot_bias_correction}: scale Zapprox by the batch factor κ. */
    public boolean biasCorrection() {
        return (Boolean) get(Key.BIAS_CORRECTION);
    }

    /** {@code jackpot_acceptance_estimate}: how ᾱ̂ is estimated for κ. */
    public AcceptanceEstimate acceptanceEstimate() {
        return (AcceptanceEstimate) get(Key.ACCEPTANCE_ESTIMATE);
    }

    /** {@code jackpot_missing_rollout_prob}: the rule for unknown rollout probabilities in the union. */
    public MissingRolloutProb missingRolloutProb() {
        return (MissingRolloutProb) get(Key.MISSING_ROLLOUT_PROB);
    }

    /** True when {@code jackpot_target_acceptance} is set (budget mode, MATH.md §9). */
    public boolean budgetMode() {
        return get(Key.TARGET_ACCEPTANCE) != null;
    }

    /** {@code jackpot_target_acceptance}: ā of budget mode; NaN when unset. */
    public double targetAcceptance() {
        Double v = (Double) get(Key.TARGET_ACCEPTANCE);
        return v == null ? Double.NaN : v;
    }

    /** {@code jackpot_seed}: seed of the counter-based rejection draws u_t. */
    public long seed() {
        return (Long) get(Key.SEED);
    }

    /** {@code rollout_is}: whether the residual correction F applies. */
    public RolloutIs rolloutIs() {
        return (RolloutIs) get(Key.ROLLOUT_IS);
    }

    /** F of MATH.md §6 as set by {@code rollout_is} and {@code rollout_is_threshold}. */
    public ResidualCorrection residualCorrection() {
        return rolloutIs() == RolloutIs.TOKEN ? (ResidualCorrection) get(Key.ROLLOUT_IS_THRESHOLD)
                : ResidualCorrection.none();
    }

    /** {@code clip_ratio}: ε, the default of both clip bounds. */
    public double clipRatio() {
        return (Double) get(Key.CLIP_RATIO);
    }

    /** ε_low: {@code clip_ratio_low}, or {@code clip_ratio} when unset. */
    public double clipRatioLow() {
        Double v = (Double) get(Key.CLIP_RATIO_LOW);
        return v != null ? v : clipRatio();
    }

    /** ε_high: {@code clip_ratio_high}, or {@code clip_ratio} when unset. */
    public double clipRatioHigh() {
        Double v = (Double) get(Key.CLIP_RATIO_HIGH);
        return v != null ? v : clipRatio();
    }

    /** {@code clip_ratio_c}: the dual-clip bound c_dual (&gt; 1). */
    public double dualClip() {
        return (Double) get(Key.DUAL_CLIP);
    }

    /** {@code ppo_clip}: false selects the no-clip objective L = −Â r. */
    public boolean ppoClip() {
        return (Boolean) get(Key.PPO_CLIP);
    }

    /** {@code loss_agg_mode}. */
    public LossAggMode lossAggMode() {
        return (LossAggMode) get(Key.LOSS_AGG_MODE);
    }

    /** {@code loss_scale_factor}, the divisor of seq-mean-token-sum-norm; NaN when unset (then T). */
    public double lossScaleFactor() {
        Double v = (Double) get(Key.LOSS_SCALE_FACTOR);
        return v == null ? Double.NaN : v;
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

    private static IllegalArgumentException unknownKey(String key) {
        return new IllegalArgumentException("unknown key `" + key + "`" + suggestion(key) + "; known keys: " + KEYS);
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

    /**
     * Builds a {@link JackpotConfig}; one typed setter per key of MATH.md §11 (see {@link Key}), and
     * {@link #build()} validates all of them together.
     */
    public static final class Builder {
        private final Object[] values = new Object[Key.values().length];

        private Builder() {
            for (Key k : Key.values()) {
                values[k.ordinal()] = k.defaultValue;
            }
        }

        private Builder set(Key k, Object v) {
            values[k.ordinal()] = v;
            return this;
        }

        private Builder setRequired(Key k, Object v) {
            return set(k, Objects.requireNonNull(v, k.key));
        }

        /** Parses a map value for key {@code k} (the path of {@code fromMap}). */
        void parse(Key k, Object raw) {
            if (raw == null && k.defaultValue != null) {
                throw new IllegalArgumentException(k.key + " = null: this key has no unset state; leave it out to get"
                        + " the default " + k.external(k.defaultValue));
            }
            try {
                set(k, raw == null ? null : k.parser.apply(raw));
            } catch (Parse.Bad e) {
                throw new IllegalArgumentException(k.key + " = " + raw + " is not " + e.getMessage());
            }
        }

        /** {@code use_jackpot}. */
        public Builder useJackpot(boolean v) {
            return set(Key.USE_JACKPOT, v);
        }

        /** {@code jackpot_log_probs_to_keep} (1 ≤ k ≤ {@link #MAX_TOP_K}). */
        public Builder topK(int v) {
            return set(Key.TOP_K, v);
        }

        /** {@code jackpot_lambda} (λ in [{@link #MIN_LAMBDA}, {@link #MAX_LAMBDA}]). */
        public Builder lambda(double v) {
            return set(Key.LAMBDA, v);
        }

        /** {@code jackpot_clip_ratio} (0 &lt; c1 ≤ {@link #MAX_CLIP_RATIO}). */
        public Builder weightClip(double v) {
            return set(Key.WEIGHT_CLIP, v);
        }

        /** {@code jackpot_use_latest_logits}. */
        public Builder useLatestLogits(boolean v) {
            return set(Key.USE_LATEST_LOGITS, v);
        }

        /** {@code jackpot_use_topk_renorm}. */
        public Builder useTopkRenorm(boolean v) {
            return set(Key.USE_TOPK_RENORM, v);
        }

        /** {@code jackpot_mask_only}. */
        public Builder maskOnly(boolean v) {
            return set(Key.MASK_ONLY, v);
        }

        /** {@code jackpot_target}. */
        public Builder target(Target v) {
            return setRequired(Key.TARGET, v);
        }

        /** {@code jackpot_bias_correction}. */
        public Builder biasCorrection(boolean v) {
            return set(Key.BIAS_CORRECTION, v);
        }

        /** {@code jackpot_acceptance_estimate}. */
        public Builder acceptanceEstimate(AcceptanceEstimate v) {
            return setRequired(Key.ACCEPTANCE_ESTIMATE, v);
        }

        /** {@code jackpot_missing_rollout_prob}. */
        public Builder missingRolloutProb(MissingRolloutProb v) {
            return setRequired(Key.MISSING_ROLLOUT_PROB, v);
        }

        /** {@code jackpot_target_acceptance}: ā ∈ (0, 1] turns budget mode on; {@code null} turns it off. */
        public Builder targetAcceptance(Double v) {
            return set(Key.TARGET_ACCEPTANCE, v);
        }

        /** {@code jackpot_seed}. */
        public Builder seed(long v) {
            return set(Key.SEED, v);
        }

        /** {@code rollout_is}: {@link RolloutIs#TOKEN} applies F, {@link RolloutIs#NONE} makes F = 1. */
        public Builder rolloutIs(RolloutIs v) {
            return setRequired(Key.ROLLOUT_IS, v);
        }

        /**
         * {@code rollout_is_threshold}: {@link ResidualCorrection#truncate} (C &gt; 0) or
         * {@link ResidualCorrection#icepop}; F applies when {@code rollout_is = token}. To turn F off
         * use {@code rolloutIs(RolloutIs.NONE)}.
         */
        public Builder rolloutIsThreshold(ResidualCorrection v) {
            return setRequired(Key.ROLLOUT_IS_THRESHOLD, v);
        }

        /** {@code clip_ratio} (ε). */
        public Builder clipRatio(double v) {
            return set(Key.CLIP_RATIO, v);
        }

        /** {@code clip_ratio_low}; {@code null} = use {@code clip_ratio}. */
        public Builder clipRatioLow(Double v) {
            return set(Key.CLIP_RATIO_LOW, v);
        }

        /** {@code clip_ratio_high}; {@code null} = use {@code clip_ratio}. */
        public Builder clipRatioHigh(Double v) {
            return set(Key.CLIP_RATIO_HIGH, v);
        }

        /** {@code clip_ratio_c} (c_dual &gt; 1). */
        public Builder dualClip(double v) {
            return set(Key.DUAL_CLIP, v);
        }

        /** {@code ppo_clip}. */
        public Builder ppoClip(boolean v) {
            return set(Key.PPO_CLIP, v);
        }

        /** {@code loss_agg_mode}. */
        public Builder lossAggMode(LossAggMode v) {
            return setRequired(Key.LOSS_AGG_MODE, v);
        }

        /** {@code loss_scale_factor} (≥ {@link #MIN_LOSS_SCALE_FACTOR}, finite); {@code null} = T. */
        public Builder lossScaleFactor(Double v) {
            return set(Key.LOSS_SCALE_FACTOR, v);
        }

        /**
         * Validates every value by its key's rule and builds the immutable configuration.
         *
         * @throws IllegalArgumentException naming the first key whose value is out of range
         */
        public JackpotConfig build() {
            for (Key k : Key.values()) {
                Object v = values[k.ordinal()];
                if (v != null && k.rule != null) {
                    String broken = k.rule.apply(v);
                    if (broken != null) {
                        throw new IllegalArgumentException(k.key + " = " + k.external(v) + " " + broken);
                    }
                }
            }
            return new JackpotConfig(values.clone());
        }
    }

    /** The parsers of map values, one per value type; each throws {@link Bad} with what was expected. */
    static final class Parse {
        private Parse() {
        }

        /** A value of the wrong form; the message says what was expected. */
        static final class Bad extends RuntimeException {
            Bad(String expected) {
                super(expected, null, false, false);
            }
        }

        static Object bool(Object v) {
            if (v instanceof Boolean) {
                return v;
            }
            String s = v.toString().trim().toLowerCase(Locale.ROOT);
            if (s.equals("true") || s.equals("false")) {
                return Boolean.valueOf(s);
            }
            throw new Bad("a boolean (true or false)");
        }

        static Object number(Object v) {
            double d;
            if (v instanceof Number) {
                d = ((Number) v).doubleValue();
            } else {
                String s = v.toString().trim().toLowerCase(Locale.ROOT);
                try {
                    d = s.equals("inf") || s.equals("+inf") || s.equals("infinity")
                            ? Double.POSITIVE_INFINITY : Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new Bad("a number");
                }
            }
            if (Double.isNaN(d)) {
                throw new Bad("a number");
            }
            return d;
        }

        static Object optionalNumber(Object v) {
            String s = v.toString().trim();
            return s.equalsIgnoreCase("null") || s.equals("~") ? null : number(v);
        }

        static Object longValue(Object v) {
            if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
                return ((Number) v).longValue();
            }
            if (v instanceof Number) {
                double d = ((Number) v).doubleValue();
                if (d != Math.rint(d) || Math.abs(d) > 9.007199254740992E15) {
                    throw new Bad("a whole number");
                }
                return (long) d;
            }
            try {
                return Long.parseLong(v.toString().trim());
            } catch (NumberFormatException e) {
                throw new Bad("a whole number");
            }
        }

        static Object integer(Object v) {
            long l = (Long) longValue(v);
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw new Bad("a whole number in the int range");
            }
            return (int) l;
        }

        static <E extends Enum<E>> Object choice(Object v, E[] options) {
            String s = v.toString().trim().toLowerCase(Locale.ROOT);
            StringBuilder allowed = new StringBuilder();
            for (E e : options) {
                if (ConfigKeys.of(e).equals(s)) {
                    return e;
                }
                allowed.append(allowed.length() == 0 ? "" : " | ").append(ConfigKeys.of(e));
            }
            throw new Bad("one of " + allowed);
        }

        static Object rolloutIs(Object v) {
            String s = v.toString().trim().toLowerCase(Locale.ROOT);
            if (s.equals("null")) {
                return RolloutIs.NONE; // verl writes an unset rollout_is as null
            }
            try {
                return choice(v, RolloutIs.values());
            } catch (Bad e) {
                throw new Bad(e.getMessage() + " (sequence-level IS is not part of MATH.md)");
            }
        }

        /**
         * C, "inf", "LO_HI", or a YAML list [LO, HI] (the form YAML 1.1 cannot misread). From a map a
         * truncation C below 1 is refused: it shrinks every ratio, and it is almost always YAML 1.1
         * reading an unquoted {@code 0.5_5} as the number 0.55 (the builder still takes any C &gt; 0).
         */
        static Object threshold(Object v) {
            ResidualCorrection f = thresholdOf(v);
            if (f.kind() == ResidualCorrection.Kind.TRUNCATE && f.high() < 1) {
                throw new Bad("a truncation C >= 1 (C < 1 would shrink every ratio); if you meant LO_HI such as 0.5_5,"
                        + " YAML 1.1 reads it unquoted as the number 0.55: quote it (\"0.5_5\") or write [0.5, 5]");
            }
            return f;
        }

        private static ResidualCorrection thresholdOf(Object v) {
            if (v instanceof Number) {
                return ResidualCorrection.truncate(((Number) v).doubleValue());
            }
            if (v instanceof List) {
                List<?> pair = (List<?>) v;
                if (pair.size() != 2) {
                    throw new Bad("a number C, \"inf\", \"LO_HI\" or a list [LO, HI] of two numbers");
                }
                return ResidualCorrection.icepop((Double) number(pair.get(0)), (Double) number(pair.get(1)));
            }
            return ResidualCorrection.parseThreshold(v.toString()); // its errors name the key already
        }

        /** F must be a threshold; "off" is {@code rollout_is = none}. */
        static String thresholdRule(Object v) {
            ResidualCorrection f = (ResidualCorrection) v;
            if (f.kind() == ResidualCorrection.Kind.NONE) {
                return "is not a threshold: turn the correction off with rollout_is = none (rolloutIs(RolloutIs.NONE))";
            }
            return null;
        }
    }
}
