package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import io.github.jackpot4j.core.BatchStatistics;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.MetricSums;
import io.github.jackpot4j.core.MetricSums.Sum;

import java.util.EnumMap;
import java.util.Map;

/**
 * The metrics of MATH.md §10 on the device: the core's {@link MetricSums} slots summed there, read
 * back in one stacked vector and turned into metrics by the core's {@link MetricSums#assembleMap}, so
 * no metric formula is written twice.
 */
final class DjlMetricSums {
    private DjlMetricSums() {
    }

    /**
     * What the metrics read: each concept's output, and the clamped log-ratios of the KL metrics.
     *
     * @param targetOverRollout clamp(ℓ_tgt − ℓ_inf) [B,T]
     * @param oldOverNew        clamp(ℓ_old − ℓ_new) [B,T], stop-gradient
     */
    record Inputs(NDArray valid, NDArray accept, DjlUnionNormalizer union, DjlWeights weights,
                  DjlPolicyObjective objective, NDArray targetOverRollout, NDArray oldOverNew) {
    }

    /** The metrics, and the value of the loss read in the same host read. */
    record Read(Map<String, Double> metrics, float loss) {
    }

    /**
     * The §10 metrics by name; N, Σ Mask, Σ a and Σ Zapprox come from the batch's statistics, the
     * union's three from {@link DjlUnionNormalizer#totals()}. The per-token terms of the other sums
     * are stacked into one [S,B,T] array and masked and summed in one reduction (three ops instead of
     * two per sum); the union's totals, the extremes and the loss join it in the one host read.
     */
    static Read assemble(JackpotConfig config, Inputs in, BatchStatistics local, double kappa, double lambda,
                         NDArray loss) {
        Map<Sum, NDArray> terms = terms(config, in);
        NDArray weights = in.weights().weights();
        NDArray rejected = in.accept().eq(0f);
        // an empty batch (B = 0 or T = 0) has no extremes: the engine refuses a full reduction of no elements
        NDArray extremes = weights.isEmpty() ? loss.zerosLike().expandDims(0).repeat(0, 2)
                : NDArrays.stack(new NDList(NDArrays.where(rejected, weights.zerosLike().sub(Float.MAX_VALUE), weights).max(),
                        NDArrays.where(rejected, weights.zerosLike().add(Float.MAX_VALUE), weights).min()));
        NDArray sums = NDArrays.stack(new NDList(terms.values())).mul(in.valid()).sum(new int[] {1, 2});
        float[] read = NDArrays.concat(new NDList(in.union().totals(), sums, extremes, loss.reshape(1))).toFloatArray();
        double[] all = MetricSums.newSums();
        all[Sum.VALID.ordinal()] = local.validTokens();
        all[Sum.ACCEPTED.ordinal()] = local.acceptedTokens();
        all[Sum.ACCEPTANCE.ordinal()] = local.sumAcceptance();
        all[Sum.Z_APPROX.ordinal()] = local.sumZApprox();
        // Σ |V_k| = k per valid token plus the target's extra ids
        all[Sum.UNION_SIZE.ordinal()] = config.useJackpot() ? (double) config.topK() * local.validTokens() + read[0] : 0;
        all[Sum.ROLLOUT_MASS.ordinal()] = read[1];
        all[Sum.TARGET_MASS.ordinal()] = read[2];
        int i = 3;
        for (Sum sum : terms.keySet()) { // in Sum order (EnumMap)
            all[sum.ordinal()] = read[i++];
        }
        all[Sum.KL_K1.ordinal()] = -all[Sum.KL_K1.ordinal()]; // Σ (ℓ_inf − ℓ_tgt): the term is ℓ_tgt − ℓ_inf
        all[Sum.MAX_ACCEPTED_WEIGHT.ordinal()] = read[i++];
        all[Sum.MIN_ACCEPTED_WEIGHT.ordinal()] = read[i++];
        return new Read(MetricSums.assembleMap(all, kappa, lambda), read[i]);
    }

    /** The per-token term [B,T] of each masked sum, float32 (the valid-token mask is applied once, by the caller). */
    private static Map<Sum, NDArray> terms(JackpotConfig config, Inputs in) {
        NDArray acceptedWeights = in.accept().mul(in.weights().weights());
        Map<Sum, NDArray> s = new EnumMap<>(Sum.class);
        s.put(Sum.KL_K1, in.targetOverRollout());
        s.put(Sum.KL_K3, k3(in.targetOverRollout()));
        s.put(Sum.OBRS_CLIPPED, in.weights().obrsClipped());
        s.put(Sum.RESIDUAL_CLIPPED, DjlResidualCorrection.clipped(config.residualCorrection(), in.weights().residualRatio()));
        s.put(Sum.ACCEPTED_WEIGHT, acceptedWeights);
        s.put(Sum.ACCEPTED_WEIGHT_SQ, acceptedWeights.mul(in.weights().weights()));
        s.put(Sum.PG_CLIPPED, in.objective().clipped());
        s.put(Sum.PG_CLIPPED_LOWER, in.objective().dualClipped());
        s.put(Sum.PPO_KL, in.oldOverNew());
        s.replaceAll((sum, term) -> term.getDataType() == DataType.FLOAT32 ? term : term.toType(DataType.FLOAT32, false));
        return s;
    }

    /** e^d − 1 − d without cancellation for small |d| (float32), for the kl_k3 metric. */
    static NDArray k3(NDArray d) {
        NDArray direct = d.exp().sub(1f).sub(d);
        // d²/2 + d³/6 + d⁴/24 + d⁵/120 + d⁶/720 + d⁷/5040 (Horner); truncation < 1e-6 relative for |d| < 0.5
        NDArray series = d.div(5040f).add(1f / 720).mul(d).add(1f / 120).mul(d).add(1f / 24).mul(d).add(1f / 6)
                .mul(d).add(0.5f).mul(d).mul(d);
        return NDArrays.where(d.abs().lt(0.5f), series, direct);
    }
}
