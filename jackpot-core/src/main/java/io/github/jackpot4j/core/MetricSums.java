package io.github.jackpot4j.core;

/**
 * The sums every backend accumulates for the metrics of MATH.md §10, and the one function that turns
 * them into the metrics ({@link #assemble}): the means over valid tokens, the weight statistics over
 * accepted tokens, the effective sample size. The core's kernel sums them per row on the host, the DJL
 * adapter on the device; both call {@link #assemble}, so no metric formula is written twice.
 */
public final class MetricSums {
    /** The slots of a sums array ({@link #newSums()}); each is a sum over the batch's valid tokens unless noted. */
    public enum Sum {
        /** N, valid tokens. */
        VALID,
        /** Accepted valid tokens. */
        ACCEPTED,
        /** Σ a_t. */
        ACCEPTANCE,
        /** Σ Zapprox_t. */
        Z_APPROX,
        /** Σ |V_k(t)|. */
        UNION_SIZE,
        /** Σ_t Σ_{V_k} q. */
        ROLLOUT_MASS,
        /** Σ_t Σ_{V_k} p. */
        TARGET_MASS,
        /** Σ (ℓ_inf − ℓ_tgt), clamped. */
        KL_K1,
        /** Σ (e^Δ − 1 − Δ), clamped. */
        KL_K3,
        /** Tokens whose OBRS weight w exceeded c1. */
        OBRS_CLIPPED,
        /** Tokens whose residual correction clipped or zeroed. */
        RESIDUAL_CLIPPED,
        /** Σ ρ over accepted tokens. */
        ACCEPTED_WEIGHT,
        /** Σ ρ² over accepted tokens. */
        ACCEPTED_WEIGHT_SQ,
        /** max ρ over accepted tokens (any value when none is accepted). */
        MAX_ACCEPTED_WEIGHT,
        /** min ρ over accepted tokens (any value when none is accepted). */
        MIN_ACCEPTED_WEIGHT,
        /** Tokens where PPO's clipped branch was active. */
        PG_CLIPPED,
        /** Tokens where the dual clip was active. */
        PG_CLIPPED_LOWER,
        /** Σ (ℓ_old − ℓ_new), clamped. */
        PPO_KL
    }

    private static final Sum[] SUMS = Sum.values();

    private MetricSums() {
    }

    /** A zeroed sums array, indexed by {@link Sum#ordinal()}. */
    public static double[] newSums() {
        return new double[SUMS.length];
    }

    /**
     * The metrics of MATH.md §10 from the sums, κ and λ, written into {@code metrics} (indexed by
     * {@link JackpotMetric#ordinal()}): means over valid tokens (0 for an empty batch), the weight
     * statistics over accepted tokens (0 when none is accepted) and ESS = (Σρ)²/(n Σρ²) over them.
     */
    public static void assemble(double[] sums, double kappa, double lambda, double[] metrics) {
        double valid = sums[Sum.VALID.ordinal()];
        double accepted = sums[Sum.ACCEPTED.ordinal()];
        double weightSq = sums[Sum.ACCEPTED_WEIGHT_SQ.ordinal()];
        double weight = sums[Sum.ACCEPTED_WEIGHT.ordinal()];
        metrics[JackpotMetric.ACCEPTANCE_RATE.ordinal()] = mean(accepted, valid);
        metrics[JackpotMetric.EXPECTED_ACCEPTANCE.ordinal()] = mean(sums[Sum.ACCEPTANCE.ordinal()], valid);
        metrics[JackpotMetric.Z_APPROX_MEAN.ordinal()] = mean(sums[Sum.Z_APPROX.ordinal()], valid);
        metrics[JackpotMetric.KAPPA.ordinal()] = kappa;
        metrics[JackpotMetric.LAMBDA.ordinal()] = lambda;
        metrics[JackpotMetric.WEIGHT_MEAN.ordinal()] = mean(weight, accepted);
        metrics[JackpotMetric.WEIGHT_MAX.ordinal()] = accepted > 0 ? sums[Sum.MAX_ACCEPTED_WEIGHT.ordinal()] : 0.0;
        metrics[JackpotMetric.WEIGHT_MIN.ordinal()] = accepted > 0 ? sums[Sum.MIN_ACCEPTED_WEIGHT.ordinal()] : 0.0;
        metrics[JackpotMetric.OBRS_CLIP_FRAC.ordinal()] = mean(sums[Sum.OBRS_CLIPPED.ordinal()], valid);
        metrics[JackpotMetric.RESIDUAL_CLIP_FRAC.ordinal()] = mean(sums[Sum.RESIDUAL_CLIPPED.ordinal()], valid);
        metrics[JackpotMetric.UNION_SIZE_MEAN.ordinal()] = mean(sums[Sum.UNION_SIZE.ordinal()], valid);
        metrics[JackpotMetric.ROLLOUT_MASS.ordinal()] = mean(sums[Sum.ROLLOUT_MASS.ordinal()], valid);
        metrics[JackpotMetric.TARGET_MASS.ordinal()] = mean(sums[Sum.TARGET_MASS.ordinal()], valid);
        metrics[JackpotMetric.KL_K1.ordinal()] = mean(sums[Sum.KL_K1.ordinal()], valid);
        metrics[JackpotMetric.KL_K3.ordinal()] = mean(sums[Sum.KL_K3.ordinal()], valid);
        metrics[JackpotMetric.ESS.ordinal()] = weightSq > 0 ? weight * weight / (accepted * weightSq) : 0.0;
        metrics[JackpotMetric.PG_CLIPFRAC.ordinal()] = mean(sums[Sum.PG_CLIPPED.ordinal()], valid);
        metrics[JackpotMetric.PG_CLIPFRAC_LOWER.ordinal()] = mean(sums[Sum.PG_CLIPPED_LOWER.ordinal()], valid);
        metrics[JackpotMetric.PPO_KL.ordinal()] = mean(sums[Sum.PPO_KL.ordinal()], valid);
    }

    /** The metrics of {@link #assemble} as a map from their §10 names, in {@link JackpotMetric} order. */
    public static java.util.Map<String, Double> assembleMap(double[] sums, double kappa, double lambda) {
        double[] m = new double[JackpotMetric.values().length];
        assemble(sums, kappa, lambda, m);
        java.util.Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (JackpotMetric metric : JackpotMetric.values()) {
            out.put(metric.key(), m[metric.ordinal()]);
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    private static double mean(double sum, double count) {
        return count > 0 ? sum / count : 0.0;
    }
}
