package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import io.github.jackpot4j.core.BatchStatistics;

import java.util.Map;

/**
 * What one adapter call returns (MATH.md §3-§7, §10), on the input's device and attached to the
 * caller's manager. The §10 metrics are host scalars — the only values that left the device. Closing
 * the output closes its arrays.
 *
 * @param loss         the aggregated scalar loss; backpropagate it with {@code GradientCollector.backward}
 * @param weights      ρ_t [B,T] (§6, stop-gradient)
 * @param acceptMask   Mask_t [B,T] as float 0/1 (§3)
 * @param zApprox      Zapprox_t [B,T] (§4)
 * @param z            Z_t = κ·Zapprox_t [B,T] (§5)
 * @param perTokenLoss m_t·ρ_t·L_t [B,T] before aggregation (§7, carries gradient)
 * @param metrics      the metrics of §10 by name ({@code "jackpot/kappa"}, ...); empty with {@code metrics(false)}
 * @param kappa        κ used
 * @param statistics   the statistics of this batch (merge those of micro-batches for a global κ, §5)
 */
public record JackpotLossOutput(NDArray loss, NDArray weights, NDArray acceptMask, NDArray zApprox, NDArray z,
                                NDArray perTokenLoss, Map<String, Double> metrics, double kappa,
                                BatchStatistics statistics) implements AutoCloseable {

    /** Closes the per-token arrays and keeps the loss (which the caller of a DJL {@code Loss} owns). */
    void closeExceptLoss() {
        for (NDArray a : new NDArray[] {weights, acceptMask, zApprox, z, perTokenLoss}) {
            a.close();
        }
    }

    @Override
    public void close() {
        loss.close();
        closeExceptLoss();
    }
}
