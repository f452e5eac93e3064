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

    private static final long UNKNOWN = Long.MIN_VALUE;

    private final double validTokens;
    private final double acceptedTokens;
    private final double sumAcceptance;
    private final double sumZApprox;
    private final double sequences;
    private final double lambda;
    // What the sums were taken of, so that statistics of another step, configuration or set of sequences
    // are refused rather than silently mixed in (UNKNOWN after fromArray, or for EMPTY).
    private final long step;
    private final long configKey;
    private final long firstSequence; // the covered global sequences lie in [firstSequence, endSequence)
    private final long endSequence;
    private final long rows;          // how many sequences (rows) the sums cover; −1 when unknown

    BatchStatistics(double validTokens, double acceptedTokens, double sumAcceptance, double sumZApprox,
                    double sequences, double lambda) {
        this(validTokens, acceptedTokens, sumAcceptance, sumZApprox, sequences, lambda, UNKNOWN, UNKNOWN, UNKNOWN,
                UNKNOWN, -1);
    }

    private BatchStatistics(double validTokens, double acceptedTokens, double sumAcceptance, double sumZApprox,
                            double sequences, double lambda, long step, long configKey, long firstSequence,
                            long endSequence, long rows) {
        this.validTokens = validTokens;
        this.acceptedTokens = acceptedTokens;
        this.sumAcceptance = sumAcceptance;
        this.sumZApprox = sumZApprox;
        this.sequences = sequences;
        this.lambda = lambda;
        this.step = step;
        this.configKey = configKey;
        this.firstSequence = firstSequence;
        this.endSequence = endSequence;
        this.rows = rows;
    }

    /** These sums, tagged with what they were taken of (used by the kernels of every backend). */
    BatchStatistics tagged(JackpotConfig config, long step, long sequenceOffset, long batchSize) {
        return new BatchStatistics(validTokens, acceptedTokens, sumAcceptance, sumZApprox, sequences, lambda,
                step >= 0 ? step : UNKNOWN, config.statisticsKey(), sequenceOffset, sequenceOffset + batchSize,
                batchSize);
    }

    /**
     * The statistics of one batch from the five sums a device backend computed ({@link #toArray()}
     * order), tagged with the configuration, λ, step and the global sequences [offset, offset + B) they
     * cover — so that merging or applying them to the wrong step, configuration or sequences fails.
     * For backend authors (the DJL adapter); a trainer gets statistics from {@code Jackpot.statistics}.
     */
    public static BatchStatistics of(double[] sums, JackpotConfig config, double lambda, long step,
                                     long sequenceOffset, long batchSize) {
        BatchStatistics s = fromArray(sums);
        return new BatchStatistics(s.validTokens, s.acceptedTokens, s.sumAcceptance, s.sumZApprox, s.sequences, lambda)
                .tagged(config, step, sequenceOffset, batchSize);
    }

    /**
     * The sums of both. Refuses statistics of different steps, configurations or λ, and parts that
     * cover the same sequences twice (a micro-batch without its {@code sequenceOffset}).
     */
    public BatchStatistics merge(BatchStatistics other) {
        if (other == EMPTY) {
            return this;
        }
        if (this == EMPTY) {
            return other;
        }
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
        if (step != UNKNOWN && other.step != UNKNOWN && step != other.step) {
            throw new IllegalArgumentException("cannot merge statistics of step " + step + " and step " + other.step
                    + ": the statistics of one step combine the micro-batches of that step only");
        }
        if (configKey != UNKNOWN && other.configKey != UNKNOWN && configKey != other.configKey) {
            throw new IllegalArgumentException("cannot merge statistics taken with different configurations:"
                    + " every micro-batch of a step must use the same JackpotConfig");
        }
        long first = UNKNOWN;
        long end = UNKNOWN;
        long n = -1;
        if (rows >= 0 && other.rows >= 0) {
            boolean disjoint = endSequence <= other.firstSequence || other.endSequence <= firstSequence;
            first = Math.min(firstSequence, other.firstSequence);
            end = Math.max(endSequence, other.endSequence);
            n = rows + other.rows;
            if (!disjoint && (rows == endSequence - firstSequence && other.rows == other.endSequence - other.firstSequence
                    || n > end - first)) {
                throw new IllegalArgumentException("cannot merge statistics of overlapping sequences [" + firstSequence
                        + ", " + endSequence + ") and [" + other.firstSequence + ", " + other.endSequence + "): give"
                        + " each micro-batch its global first row with sequenceOffset (or carve the batch with"
                        + " JackpotBatch.split), so that no sequence is counted twice");
            }
        }
        return new BatchStatistics(validTokens + other.validTokens, acceptedTokens + other.acceptedTokens,
                sumAcceptance + other.sumAcceptance, sumZApprox + other.sumZApprox, sequences + other.sequences, l,
                step != UNKNOWN ? step : other.step, configKey != UNKNOWN ? configKey : other.configKey, first, end, n);
    }

    /**
     * Checks that these statistics may scope a batch of {@code config} at {@code batchStep} (−1: no
     * step) covering the global sequences [offset, offset + B), naming what disagrees (MATH.md §3, §5).
     * Every backend calls it before using global statistics.
     *
     * @throws IllegalArgumentException for statistics of another step, configuration or set of sequences
     */
    public void checkApplies(JackpotConfig config, long batchStep, long sequenceOffset, long batchSize) {
        if (step != UNKNOWN && batchStep >= 0 && step != batchStep) {
            throw new IllegalArgumentException("the statistics were taken at step " + step + " but the batch is step "
                    + batchStep + ": merge the statistics of this step's micro-batches");
        }
        if (configKey != UNKNOWN && configKey != config.statisticsKey()) {
            throw new IllegalArgumentException("the statistics were taken with another configuration than the one"
                    + " given: use the same JackpotConfig for statistics and loss");
        }
        if (rows >= 0 && (sequenceOffset < firstSequence || sequenceOffset + batchSize > endSequence)) {
            throw new IllegalArgumentException("the batch covers global sequences [" + sequenceOffset + ", "
                    + (sequenceOffset + batchSize) + ") but the statistics cover [" + firstSequence + ", " + endSequence
                    + "): is the batch's sequenceOffset right, and were its statistics merged in?");
        }
    }

    /** {N, Σ Mask, Σ a, Σ Zapprox, S}: sum these element-wise across ranks, then {@link #allReduced}. */
    public double[] toArray() {
        return new double[] {validTokens, acceptedTokens, sumAcceptance, sumZApprox, sequences};
    }

    /**
     * The global statistics after an all-reduce: {@code sums} is {@link #toArray()} summed over every
     * data-parallel rank; step, configuration and λ stay those of this (the rank's own) statistics.
     * <pre>{@code
     * double[] s = local.toArray(); allReduceSum(s); BatchStatistics global = local.allReduced(s);
     * }</pre>
     */
    public BatchStatistics allReduced(double[] sums) {
        BatchStatistics s = fromArray(sums);
        return new BatchStatistics(s.validTokens, s.acceptedTokens, s.sumAcceptance, s.sumZApprox, s.sequences, lambda,
                step, configKey, UNKNOWN, UNKNOWN, -1);
    }

    /** The names of the {@link #toArray()} entries, as error messages print them. */
    private static final String[] NAMES = {"valid tokens", "accepted tokens", "sum of acceptance", "sum of Zapprox",
        "sequences"};

    /**
     * The inverse of {@link #toArray()} with nothing known of where the sums came from (λ, step,
     * configuration unchecked); prefer {@link #allReduced(double[])}, which keeps them.
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

    /** The training step the statistics were taken at, or −1 when unknown. */
    public long step() {
        return step == UNKNOWN ? -1 : step;
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

    /**
     * The κ a batch of {@code config} is corrected with (MATH.md §5): {@link #kappa(AcceptanceEstimate)}
     * with the configured estimate on the Jackpot path with {@code jackpot_bias_correction}, else 1.
     * Every backend applies κ by this one rule.
     */
    public double kappaFor(JackpotConfig config) {
        return config.useJackpot() && config.biasCorrection() ? kappa(config.acceptanceEstimate()) : 1.0;
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
