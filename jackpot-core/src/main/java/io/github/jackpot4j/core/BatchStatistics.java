package io.github.jackpot4j.core;

/**
 * The mergeable per-batch sums behind the bias correction κ (MATH.md §5) and the global loss
 * denominators (§7): valid tokens N, accepted tokens Σ Mask, Σ a_t, Σ Zapprox_t and the number of
 * sequences with at least one accepted token. Sums over micro-batches or data-parallel ranks equal
 * the sums over the whole batch, so κ and the global-denominator loss do not depend on the split.
 *
 * <p>Immutable. {@link #toArray()} / {@link #fromArray(double[])} carry the five sums through an
 * all-reduce (sum). The λ the sums were taken with travels beside them when known (NaN after
 * {@code fromArray}); merging statistics taken with different λ is an error.
 */
public final class BatchStatistics {
    /** The statistics of an empty batch: the identity of {@link #merge(BatchStatistics)}. */
    public static final BatchStatistics EMPTY = new BatchStatistics(0, 0, 0, 0, 0, Double.NaN);

    /** Length of {@link #toArray()}. */
    public static final int ARRAY_LENGTH = 5;

    private final double validTokens;
    private final double acceptedTokens;
    private final double sumAcceptance;
    private final double sumZApprox;
    private final double sequences;
    private final double lambda;

    BatchStatistics(double validTokens, double acceptedTokens, double sumAcceptance, double sumZApprox,
                    double sequences, double lambda) {
        this.validTokens = validTokens;
        this.acceptedTokens = acceptedTokens;
        this.sumAcceptance = sumAcceptance;
        this.sumZApprox = sumZApprox;
        this.sequences = sequences;
        this.lambda = lambda;
    }

    /** The sums of both. */
    public BatchStatistics merge(BatchStatistics other) {
        double l;
        if (Double.isNaN(lambda)) {
            l = other.lambda;
        } else if (Double.isNaN(other.lambda) || lambda == other.lambda) {
            l = lambda;
        } else {
            throw new IllegalArgumentException("cannot merge statistics taken with jackpot_lambda = " + lambda
                    + " and " + other.lambda + "; in budget mode solve λ once over all micro-batches with"
                    + " Jackpot.solveLambda(config, batches) and use config.withLambda(λ)");
        }
        return new BatchStatistics(validTokens + other.validTokens, acceptedTokens + other.acceptedTokens,
                sumAcceptance + other.sumAcceptance, sumZApprox + other.sumZApprox, sequences + other.sequences, l);
    }

    /** {N, Σ Mask, Σ a, Σ Zapprox, S}: sum these element-wise across ranks, then {@link #fromArray}. */
    public double[] toArray() {
        return new double[] {validTokens, acceptedTokens, sumAcceptance, sumZApprox, sequences};
    }

    /** The names of the {@link #toArray()} entries, as error messages print them. */
    private static final String[] NAMES = {"valid tokens", "accepted tokens", "sum of acceptance", "sum of Zapprox",
        "sequences"};

    /**
     * The inverse of {@link #toArray()}; λ is unknown (NaN) afterwards.
     *
     * <p>Checks what an element-wise sum of real statistics satisfies, so that a wrong reduction (a
     * mean instead of a sum, mixed-up order, a corrupted buffer) is an error rather than a wrong κ or
     * a NaN loss: every entry finite and ≥ 0; the counts [0] N, [1] accepted and [4] sequences whole
     * numbers (a subnormal or fractional count is refused: its reciprocal is a loss denominator);
     * accepted ≤ N, sequences ≤ accepted, and Σ a ≤ N (up to a relative 1e-3 for a float32
     * all-reduce). A subnormal [3] Σ Zapprox is legal (real tails produce it) and treated as 0 by κ
     * ({@link #kappaFallback()}).
     *
     * @throws IllegalArgumentException naming the first bad index
     */
    public static BatchStatistics fromArray(double[] sums) {
        if (sums == null || sums.length != ARRAY_LENGTH) {
            throw new IllegalArgumentException("statistics array must have " + ARRAY_LENGTH + " elements");
        }
        for (int i = 0; i < ARRAY_LENGTH; i++) {
            if (!(sums[i] >= 0) || Double.isInfinite(sums[i])) {
                throw new IllegalArgumentException("statistics[" + i + "] = " + sums[i] + " must be finite and >= 0");
            }
        }
        for (int i : new int[] {0, 1, 4}) {
            if (sums[i] != Math.rint(sums[i])) {
                throw new IllegalArgumentException("statistics[" + i + "] (" + NAMES[i] + ") = " + sums[i]
                        + " must be a whole number: the statistics are sums of counts (did the all-reduce average?)");
            }
        }
        requireAtMost(sums, 1, 0, 0.0);
        requireAtMost(sums, 4, 1, 0.0);
        requireAtMost(sums, 2, 0, 1e-3);
        return new BatchStatistics(sums[0], sums[1], sums[2], sums[3], sums[4], Double.NaN);
    }

    private static void requireAtMost(double[] sums, int i, int bound, double relativeSlack) {
        if (sums[i] > sums[bound] * (1 + relativeSlack)) {
            throw new IllegalArgumentException("statistics[" + i + "] (" + NAMES[i] + ") = " + sums[i]
                    + " exceeds statistics[" + bound + "] (" + NAMES[bound] + ") = " + sums[bound]);
        }
    }

    /** N: tokens with response_mask = 1. */
    public double validTokens() {
        return validTokens;
    }

    /** Σ Mask over valid tokens: the accepted tokens, the token-mean denominator. */
    public double acceptedTokens() {
        return acceptedTokens;
    }

    /** Σ a_t over valid tokens. */
    public double sumAcceptance() {
        return sumAcceptance;
    }

    /** Σ Zapprox_t over valid tokens. */
    public double sumZApprox() {
        return sumZApprox;
    }

    /** Sequences with at least one accepted valid token: the seq-mean denominator. */
    public double sequences() {
        return sequences;
    }

    /** The λ the sums were taken with, NaN when unknown. */
    public double lambda() {
        return lambda;
    }

    /**
     * True when κ falls back to 1 because N = 0 or Σ Zapprox = 0 (MATH.md §5). A mean Zapprox below
     * the smallest normal double (Σ Zapprox &lt; N·2^-1022, e.g. every top-k log-prob at −740) counts
     * as 0: such subnormal sums carry almost no significant digits, and κ = ᾱ̂/mean would overflow.
     * Otherwise κ ≤ 1.001·N/(N·2^-1022) ≈ 2^1022 is finite, since accepted ≤ N and Σ a ≤ 1.001·N.
     */
    public boolean kappaFallback() {
        return validTokens == 0 || !(sumZApprox >= validTokens * Double.MIN_NORMAL);
    }

    /** κ = ᾱ̂ / mean Zapprox with the chosen estimate of ᾱ̂; 1 when {@link #kappaFallback()}. */
    public double kappa(AcceptanceEstimate estimate) {
        if (kappaFallback()) {
            return 1.0;
        }
        double accepted = estimate == AcceptanceEstimate.SAMPLED ? acceptedTokens : sumAcceptance;
        return accepted / sumZApprox;
    }

    @Override
    public String toString() {
        return "BatchStatistics{validTokens=" + validTokens + ", acceptedTokens=" + acceptedTokens
                + ", sumAcceptance=" + sumAcceptance + ", sumZApprox=" + sumZApprox + ", sequences=" + sequences
                + ", lambda=" + lambda + "}";
    }
}
