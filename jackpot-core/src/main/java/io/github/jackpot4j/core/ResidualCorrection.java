package io.github.jackpot4j.core;

/**
 * The residual importance correction F of MATH.md §6, applied to the ratio x = exp(ℓ_old − ℓ_tgt)
 * (Jackpot) or x = exp(ℓ_old − ℓ_inf) (baselines). Configured with verl's keys {@code rollout_is}
 * and {@code rollout_is_threshold}: a number C gives {@link Kind#TRUNCATE} (TIS), {@code "LO_HI"} gives
 * {@link Kind#ICEPOP}, {@code rollout_is = none} gives {@link Kind#NONE}. Immutable.
 */
public final class ResidualCorrection {
    /** The family of F. */
    public enum Kind {
        /** F(x) = 1. */
        NONE,
        /** F(x) = min(x, C). */
        TRUNCATE,
        /** F(x) = x on [LO, HI], 0 outside. */
        ICEPOP
    }

    private static final ResidualCorrection NONE = new ResidualCorrection(Kind.NONE, 0, 0);

    private final Kind kind;
    private final double low;
    private final double high;

    private ResidualCorrection(Kind kind, double low, double high) {
        this.kind = kind;
        this.low = low;
        this.high = high;
    }

    /** F(x) = 1. */
    public static ResidualCorrection none() {
        return NONE;
    }

    /** F(x) = min(x, C); C &gt; 0, {@code +∞} allowed (plain IS). */
    public static ResidualCorrection truncate(double c) {
        if (!(c > 0)) {
            throw new IllegalArgumentException("rollout_is_threshold = " + c + " must be > 0 (or inf)");
        }
        return new ResidualCorrection(Kind.TRUNCATE, 0, c);
    }

    /** F(x) = x on [lo, hi], 0 outside; 0 ≤ lo &lt; hi &lt; ∞. */
    public static ResidualCorrection icepop(double lo, double hi) {
        if (!(lo >= 0) || !(hi > lo) || Double.isInfinite(hi)) {
            throw new IllegalArgumentException("rollout_is_threshold = \"" + lo + "_" + hi
                    + "\" must satisfy 0 <= LO < HI < inf");
        }
        return new ResidualCorrection(Kind.ICEPOP, lo, hi);
    }

    /**
     * Parses verl's {@code rollout_is_threshold}: a number ({@code "2.0"}, {@code "inf"}) or
     * {@code "LO_HI"} ({@code "0.5_5.0"}).
     */
    public static ResidualCorrection parseThreshold(String value) {
        String v = value.trim();
        int sep = v.indexOf('_');
        try {
            if (sep > 0) {
                return icepop(parseNumber(v.substring(0, sep)), parseNumber(v.substring(sep + 1)));
            }
            return truncate(parseNumber(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("rollout_is_threshold = \"" + value
                    + "\" is neither a number C, \"inf\", nor \"LO_HI\" such as \"0.5_5.0\"");
        }
    }

    private static double parseNumber(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("inf") || t.equals("+inf") || t.equals("infinity")) {
            return Double.POSITIVE_INFINITY;
        }
        double d = Double.parseDouble(t);
        if (Double.isNaN(d)) {
            throw new NumberFormatException("NaN");
        }
        return d;
    }

    /** The family of F. */
    public Kind kind() {
        return kind;
    }

    /** LO of ICEPOP, 0 otherwise. */
    public double low() {
        return low;
    }

    /** C of TRUNCATE or HI of ICEPOP, 0 for NONE. */
    public double high() {
        return high;
    }

    /** F(x). */
    public double apply(double x) {
        switch (kind) {
            case TRUNCATE:
                return Math.min(x, high);
            case ICEPOP:
                return (x >= low && x <= high) ? x : 0.0;
            default:
                return 1.0;
        }
    }

    /** True when F changed x: truncated (x &gt; C) or zeroed (outside [LO, HI]). */
    public boolean clips(double x) {
        switch (kind) {
            case TRUNCATE:
                return x > high;
            case ICEPOP:
                return x < low || x > high;
            default:
                return false;
        }
    }

    /** The {@code rollout_is_threshold} value as written in configuration maps. */
    public String thresholdKey() {
        switch (kind) {
            case TRUNCATE:
                return format(high);
            case ICEPOP:
                return format(low) + "_" + format(high);
            default:
                return "2.0";
        }
    }

    static String format(double d) {
        return Double.isInfinite(d) ? "inf" : Double.toString(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResidualCorrection && ((ResidualCorrection) o).kind == kind
                && Double.compare(((ResidualCorrection) o).low, low) == 0
                && Double.compare(((ResidualCorrection) o).high, high) == 0;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Double.hashCode(low) * 17 + Double.hashCode(high);
    }

    @Override
    public String toString() {
        return kind == Kind.NONE ? "NONE" : kind + "(" + thresholdKey() + ")";
    }
}
