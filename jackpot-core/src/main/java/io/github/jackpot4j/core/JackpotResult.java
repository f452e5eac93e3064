package io.github.jackpot4j.core;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Everything one Jackpot computation produces, as row-major [B,T] float arrays the caller reads
 * directly (no further copy): ρ_t, the accept mask, Zapprox_t, Z_t, the per-token loss
 * m_t·ρ_t·L_t, the gradient ∂loss/∂log_probs, the scalar loss, κ, the statistics and the metrics of
 * MATH.md §10. Padding tokens hold 0 everywhere.
 *
 * <p>A result can be allocated once ({@link #allocate(int, int)}) and refilled by
 * {@link Jackpot#compute(JackpotConfig, JackpotBatch, BatchStatistics, JackpotResult)}; the arrays are
 * then overwritten in place, so copy what must outlive the next call.
 */
public final class JackpotResult {
    static final int ROW_STATS = RowStats.COUNT;

    final int batchSize;
    final int length;
    final float[] weights;
    final float[] acceptMask;
    final float[] zApprox;
    /**
     * Zapprox_t in double, as pass 1 computed it: pass 2 applies κ to this, not to the float32
     * {@link #zApprox} (a Zapprox below float's range, e.g. top-k log-probs at −110, used to round to 0
     * and give a weight of 0 where the same relative distributions at −10 gave 1).
     */
    final double[] zApproxExact;
    final float[] z;
    final float[] perTokenLoss;
    final float[] gradLogProbs;
    final float[] perTokenGradient;
    final double[] rowStats;
    final double[] metrics = new double[JackpotMetric.values().length];
    double loss;
    double kappa;
    BatchStatistics statistics = BatchStatistics.EMPTY;
    BatchStatistics batchStatistics = BatchStatistics.EMPTY;
    UnionNormalizer.Scratch scratch;
    /**
     * exp(ℓ_tgt − ℓ_inf) per token as pass 1 computed it for a_t, read again by pass 2 for w_t (the same
     * bits as recomputing it, one exponential less per token). Allocated on the first call that needs it
     * and kept, so a reused result allocates nothing per call; only valid tokens' entries are meaningful.
     */
    double[] ratio;

    private JackpotResult(int batchSize, int length) {
        if (batchSize < 0 || length < 0) {
            throw new IllegalArgumentException("B = " + batchSize + " and T = " + length + " must be >= 0");
        }
        int n = Shapes.checkedSize("result shape", new int[] {batchSize, length});
        this.batchSize = batchSize;
        this.length = length;
        weights = new float[n];
        acceptMask = new float[n];
        zApprox = new float[n];
        zApproxExact = new double[n];
        z = new float[n];
        perTokenLoss = new float[n];
        gradLogProbs = new float[n];
        perTokenGradient = new float[n];
        rowStats = new double[batchSize * ROW_STATS];
    }

    /** {@link #ratio}, allocated on first use. */
    double[] ratio() {
        double[] r = ratio;
        if (r == null) {
            r = new double[weights.length];
            ratio = r;
        }
        return r;
    }

    /** A result for batches of B sequences of length T, to be filled in place by repeated computations. */
    public static JackpotResult allocate(int batchSize, int length) {
        return new JackpotResult(batchSize, length);
    }

    /** B. */
    public int batchSize() {
        return batchSize;
    }

    /** T. */
    public int length() {
        return length;
    }

    /** ρ_t (MATH.md §6), [B,T]; the stop-gradient weight of each valid token, whether accepted or not. */
    public float[] weights() {
        return weights;
    }

    /** Mask_t ∈ {0,1} (MATH.md §3), [B,T]; 1 for every valid token in the baselines. */
    public float[] acceptMask() {
        return acceptMask;
    }

    /** Zapprox_t (MATH.md §4), [B,T]; exact Z_t in full-vocabulary mode, 0 in the baselines. */
    public float[] zApprox() {
        return zApprox;
    }

    /** Z_t = κ·Zapprox_t, or Zapprox_t with the bias correction off (MATH.md §5), [B,T]. */
    public float[] z() {
        return z;
    }

    /** loss_t = response_mask_t·Mask_t·ρ_t·L_t before aggregation (MATH.md §7), [B,T]. */
    public float[] perTokenLoss() {
        return perTokenLoss;
    }

    /** ∂loss/∂log_probs_t of the aggregated scalar loss (MATH.md §7), [B,T]. */
    public float[] gradLogProbs() {
        return gradLogProbs;
    }

    /**
     * ∂loss_t/∂log_probs_t of each token's own loss before aggregation (MATH.md §7), [B,T]:
     * {@link #gradLogProbs()} without the aggregation's factor (equal to it for {@code token-sum}). For an
     * engine that backpropagates the per-token losses itself (the DJL adapter on the CPU).
     */
    public float[] perTokenGradient() {
        return perTokenGradient;
    }

    /** The aggregated scalar loss. */
    public double loss() {
        return loss;
    }

    /** κ used (1 with the bias correction off or on fallback). */
    public double kappa() {
        return kappa;
    }

    /** The statistics κ and the denominators were taken from (this batch's, or the global ones given). */
    public BatchStatistics statistics() {
        return statistics;
    }

    /**
     * The statistics of this batch alone (MATH.md §5), whatever statistics κ was taken from: what a
     * micro-batch contributes to the merged statistics. The same as {@link #statistics()} without global ones.
     */
    public BatchStatistics batchStatistics() {
        return batchStatistics;
    }

    /** One metric of MATH.md §10. */
    public double metric(JackpotMetric metric) {
        return metrics[metric.ordinal()];
    }

    /**
     * The metrics as a read-only map from their §10 names ({@code "jackpot/kappa"}, ...) to values, in
     * the order of {@link JackpotMetric}. A live view: it changes when the result is refilled.
     */
    public Map<String, Double> metrics() {
        return new MetricsView();
    }

    private final class MetricsView extends AbstractMap<String, Double> {
        @Override
        public Set<Entry<String, Double>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Entry<String, Double>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override
                        public boolean hasNext() {
                            return next < metrics.length;
                        }

                        @Override
                        public Entry<String, Double> next() {
                            if (next >= metrics.length) {
                                throw new NoSuchElementException();
                            }
                            JackpotMetric m = JackpotMetric.values()[next++];
                            return new SimpleImmutableEntry<>(m.key(), metrics[m.ordinal()]);
                        }
                    };
                }

                @Override
                public int size() {
                    return metrics.length;
                }
            };
        }

        @Override
        public Double get(Object key) {
            for (JackpotMetric m : JackpotMetric.values()) {
                if (m.key().equals(key)) {
                    return metrics[m.ordinal()];
                }
            }
            return null;
        }
    }

    @Override
    public String toString() {
        return "JackpotResult{B=" + batchSize + ", T=" + length + ", loss=" + loss + ", metrics=" + metrics() + "}";
    }
}
