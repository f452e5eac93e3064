package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import io.github.jackpot4j.core.BatchStatistics;

import java.util.Map;

/**
 * What one adapter call returns, on the input's device and attached to the caller's manager: the
 * scalar loss to backpropagate, and the stop-gradient per-token quantities of MATH.md §3-§7 (ρ_t,
 * the accept mask, Zapprox_t, Z_t, the per-token loss, [B,T]). The §10 metrics are host scalars —
 * the only values that left the device. Closing the output closes its arrays.
 */
public final class JackpotLossOutput implements AutoCloseable {
    private final NDArray loss;
    private final NDArray weights;
    private final NDArray acceptMask;
    private final NDArray zApprox;
    private final NDArray z;
    private final NDArray perTokenLoss;
    private final Map<String, Double> metrics;
    private final double kappa;
    private final BatchStatistics statistics;

    JackpotLossOutput(NDArray loss, NDArray weights, NDArray acceptMask, NDArray zApprox, NDArray z,
                      NDArray perTokenLoss, Map<String, Double> metrics, double kappa, BatchStatistics statistics) {
        this.loss = loss;
        this.weights = weights;
        this.acceptMask = acceptMask;
        this.zApprox = zApprox;
        this.z = z;
        this.perTokenLoss = perTokenLoss;
        this.metrics = metrics;
        this.kappa = kappa;
        this.statistics = statistics;
    }

    /** The aggregated scalar loss; backpropagate it with {@code GradientCollector.backward}. */
    public NDArray loss() {
        return loss;
    }

    /** ρ_t [B,T] (stop-gradient). */
    public NDArray weights() {
        return weights;
    }

    /** Mask_t [B,T] as float 0/1. */
    public NDArray acceptMask() {
        return acceptMask;
    }

    /** Zapprox_t [B,T]. */
    public NDArray zApprox() {
        return zApprox;
    }

    /** Z_t = κ·Zapprox_t [B,T]. */
    public NDArray z() {
        return z;
    }

    /** m_t·ρ_t·L_t [B,T] before aggregation (carries gradient). */
    public NDArray perTokenLoss() {
        return perTokenLoss;
    }

    /** The metrics of MATH.md §10 by name ({@code "jackpot/kappa"}, ...). */
    public Map<String, Double> metrics() {
        return metrics;
    }

    /** κ used. */
    public double kappa() {
        return kappa;
    }

    /** The statistics of this batch (merge those of micro-batches for a global κ, MATH.md §5). */
    public BatchStatistics statistics() {
        return statistics;
    }

    /** Closes the per-token arrays and keeps the loss (which the caller of a DJL {@code Loss} owns). */
    void closeExceptLoss() {
        for (NDArray a : new NDArray[] {weights, acceptMask, zApprox, z, perTokenLoss}) {
            if (a != null) {
                a.close();
            }
        }
    }

    @Override
    public void close() {
        for (NDArray a : new NDArray[] {loss, weights, acceptMask, zApprox, z, perTokenLoss}) {
            if (a != null) {
                a.close();
            }
        }
    }
}
