package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
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

    /** The §10 metrics by name; N, Σ Mask, Σ a and Σ Zapprox come from the batch's statistics. */
    static Read assemble(JackpotConfig config, Inputs in, BatchStatistics local, double kappa, double lambda,
                         NDArray loss) {
        Map<Sum, NDArray> device = deviceSums(config, in);
        NDList stacked = new NDList(device.values()); // in Sum order (EnumMap)
        stacked.add(loss);
        float[] read = NDArrays.stack(stacked).toFloatArray();
        double[] sums = MetricSums.newSums();
        sums[Sum.VALID.ordinal()] = local.validTokens();
        sums[Sum.ACCEPTED.ordinal()] = local.acceptedTokens();
        sums[Sum.ACCEPTANCE.ordinal()] = local.sumAcceptance();
        sums[Sum.Z_APPROX.ordinal()] = local.sumZApprox();
        int i = 0;
        for (Sum sum : device.keySet()) {
            sums[sum.ordinal()] = read[i++];
        }
        return new Read(MetricSums.assembleMap(sums, kappa, lambda), read[i]);
    }

    private static Map<Sum, NDArray> deviceSums(JackpotConfig config, Inputs in) {
        NDArray valid = in.valid();
        NDArray accept = in.accept();
        NDArray weights = in.weights().weights();
        // the weight metrics describe the weights that act: over accepted tokens, like the ESS (§10)
        NDArray rejected = accept.eq(0f);
        NDArray acceptedWeights = accept.mul(weights);
        Map<Sum, NDArray> s = new EnumMap<>(Sum.class);
        s.put(Sum.UNION_SIZE, in.union().unionSize().mul(valid).sum());
        s.put(Sum.ROLLOUT_MASS, in.union().rolloutMass().mul(valid).sum());
        s.put(Sum.TARGET_MASS, in.union().targetMass().mul(valid).sum());
        s.put(Sum.KL_K1, in.targetOverRollout().neg().mul(valid).sum());
        s.put(Sum.KL_K3, k3(in.targetOverRollout()).mul(valid).sum());
        s.put(Sum.OBRS_CLIPPED, in.weights().obrsClipped().mul(valid).sum());
        s.put(Sum.RESIDUAL_CLIPPED, DjlResidualCorrection.clipped(config.residualCorrection(),
                in.weights().residualRatio()).mul(valid).sum());
        s.put(Sum.ACCEPTED_WEIGHT, acceptedWeights.sum());
        s.put(Sum.ACCEPTED_WEIGHT_SQ, acceptedWeights.mul(weights).sum());
        // an empty batch (B = 0 or T = 0) has no extremes: the engine refuses a full reduction of no elements
        NDArray lowest = NDArrays.where(rejected, weights.zerosLike().sub(Float.MAX_VALUE), weights);
        NDArray highest = NDArrays.where(rejected, weights.zerosLike().add(Float.MAX_VALUE), weights);
        s.put(Sum.MAX_ACCEPTED_WEIGHT, weights.isEmpty() ? valid.sum() : lowest.max());
        s.put(Sum.MIN_ACCEPTED_WEIGHT, weights.isEmpty() ? valid.sum() : highest.min());
        s.put(Sum.PG_CLIPPED, in.objective().clipped().mul(valid).sum());
        s.put(Sum.PG_CLIPPED_LOWER, in.objective().dualClipped().mul(valid).sum());
        s.put(Sum.PPO_KL, in.oldOverNew().mul(valid).sum());
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
