package io.github.jackpot4j.core;

// A frozen copy of the main-source class as of commit 00c10f0 (before the speed work of issue 12),
// kept as the reference KernelEquivalenceTest compares the optimized kernel with. Do not optimize it.
/**
 * Zapprox_t of MATH.md §4: Σ over the union V_k(t) = topk(p_inf) ∪ topk(p_tgt), each id once, of
 * min(q(x), p(x)/λ); with renormalization over V_k, or exactly over the vocabulary when full
 * log-probs are given. One call per token; the caller's {@link Scratch} makes it allocation-free.
 */
final class ReferenceUnionNormalizer {
    /**
     * Union masses below this are renormalized in log space ({@link #renormalizedInLogSpace}). 1e-250
     * keeps 1/mass and λ⁻¹/mass (λ ≥ 1e-30) far from overflow and every term of the sum far from the
     * subnormal range, while ordinary inputs (mass ≥ 1/V) keep the plain path and their exact bits.
     */
    static final double RENORM_FLOOR = 1e-250;

    private final JackpotBatch batch;
    private final int k;
    private final double invLambda;
    private final boolean renorm;
    private final boolean boundMissing;
    private final FloatView crossRolloutLogProbs;

    /** Per-worker reusable state: the id map and the q, p of the union's members. */
    static final class Scratch {
        final ReferenceSmallIdSet ids;
        final double[] q;
        final double[] p;
        final int topK;
        int unionSize;
        double rolloutMass;
        double targetMass;

        Scratch(int topK) {
            this.topK = topK;
            ids = new ReferenceSmallIdSet(2 * Math.max(topK, 1));
            q = new double[2 * Math.max(topK, 1)];
            p = new double[2 * Math.max(topK, 1)];
        }
    }

    /** The exponential of the union terms: {@code Math::exp} (before issue 12) or a frozen {@code FastExp}. */
    private final java.util.function.DoubleUnaryOperator exp;

    ReferenceUnionNormalizer(JackpotConfig config, JackpotBatch batch, double lambda) {
        this(config, batch, lambda, Math::exp);
    }

    ReferenceUnionNormalizer(JackpotConfig config, JackpotBatch batch, double lambda,
                             java.util.function.DoubleUnaryOperator exp) {
        this.exp = exp;
        this.batch = batch;
        this.k = batch.topK;
        this.invLambda = 1.0 / lambda;
        this.renorm = config.useTopkRenorm();
        this.boundMissing = config.missingRolloutProb() == MissingRolloutProb.BOUND;
        this.crossRolloutLogProbs = config.useLatestLogits() ? batch.rolloutLogProbsAtTargetTopk : null;
    }

    /** Zapprox at flat token index t; union size and masses are left in {@code s}. */
    double zApprox(int t, Scratch s) {
        return batch.rolloutFullLogProbs != null ? exact(t, s) : topK(t, s);
    }

    private double topK(int t, Scratch s) {
        final int base = t * k;
        final double[] q = s.q;
        final double[] p = s.p;
        final IdView rolloutIds = batch.rolloutTopkIds;
        final IdView targetIds = batch.targetTopkIds;
        final FloatView rolloutLp = batch.rolloutTopkLogProbs;
        final FloatView targetAtRollout = batch.targetLogProbsAtRolloutTopk;
        final FloatView targetLp = batch.targetTopkLogProbs;
        final ReferenceSmallIdSet ids = s.ids;
        ids.clear();
        double smallestRolloutProb = Double.POSITIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            ids.putIfAbsent(rolloutIds.get(base + j), j);
            q[j] = exp.applyAsDouble(rolloutLp.get(base + j));
            p[j] = exp.applyAsDouble(targetAtRollout.get(base + j));
            smallestRolloutProb = Math.min(smallestRolloutProb, q[j]);
        }
        int n = k;
        for (int j = 0; j < k; j++) {
            if (ids.get(targetIds.get(base + j)) >= 0) {
                continue; // already counted through the rollout list: each id once
            }
            p[n] = exp.applyAsDouble(targetLp.get(base + j));
            if (crossRolloutLogProbs != null) {
                q[n] = exp.applyAsDouble(crossRolloutLogProbs.get(base + j));
            } else {
                // ZERO: the term min(0, ·) = 0 keeps Zapprox <= Z; BOUND: q_(k) bounds the unseen q from above.
                q[n] = boundMissing ? smallestRolloutProb : 0.0;
            }
            n++;
        }
        double rolloutMass = 0;
        double targetMass = 0;
        for (int j = 0; j < n; j++) {
            rolloutMass += q[j];
            targetMass += p[j];
        }
        s.unionSize = n;
        s.rolloutMass = rolloutMass;
        s.targetMass = targetMass;
        double qScale = 1.0;
        double pScale = invLambda;
        if (renorm) {
            if (rolloutMass < RENORM_FLOOR || targetMass < RENORM_FLOOR) {
                // 1/mass would overflow (or lose the subnormal digits): rollout top-k {−740, −∞} gave
                // 0·∞ = NaN. Renormalize in log space instead, which is exactly scale-free.
                return renormalizedInLogSpace(t, n, s);
            }
            qScale = 1.0 / rolloutMass;
            pScale = invLambda / targetMass;
        }
        double z = 0;
        for (int j = 0; j < n; j++) {
            z += Math.min(q[j] * qScale, p[j] * pScale);
        }
        return z;
    }

    /**
     * Σ min(q̂, p̂/λ) over the union with q̂ = exp(ℓq − max ℓq) / Σ exp(ℓq − max ℓq) (same for p̂):
     * the renormalized distributions do not depend on the scale of q and p, so tails of any depth
     * (top-k log-probs at −800, whose exp is 0) give the same Zapprox as the same shape at −8. Reads
     * the log-probs again, in the order {@link #topK} visited them (the id set still holds this token's
     * rollout list); only reached when a union mass is below {@link #RENORM_FLOOR}. A side without any
     * finite log-prob has no mass at all: 0, as before.
     */
    private double renormalizedInLogSpace(int t, int n, Scratch s) {
        final int base = t * k;
        final double[] lq = s.q;
        final double[] lp = s.p;
        double logSmallest = Double.POSITIVE_INFINITY; // log q_(k) for BOUND, exact even where exp underflows
        double maxQ = Double.NEGATIVE_INFINITY;
        double maxP = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            lq[j] = batch.rolloutTopkLogProbs.get(base + j);
            lp[j] = batch.targetLogProbsAtRolloutTopk.get(base + j);
            logSmallest = Math.min(logSmallest, lq[j]);
        }
        int m = k;
        for (int j = 0; j < k && m < n; j++) {
            if (s.ids.get(batch.targetTopkIds.get(base + j)) >= 0) {
                continue;
            }
            lp[m] = batch.targetTopkLogProbs.get(base + j);
            if (crossRolloutLogProbs != null) {
                lq[m] = crossRolloutLogProbs.get(base + j);
            } else {
                lq[m] = boundMissing ? logSmallest : Double.NEGATIVE_INFINITY;
            }
            m++;
        }
        for (int j = 0; j < n; j++) {
            maxQ = Math.max(maxQ, lq[j]);
            maxP = Math.max(maxP, lp[j]);
        }
        if (maxQ == Double.NEGATIVE_INFINITY || maxP == Double.NEGATIVE_INFINITY) {
            return 0.0; // no mass to renormalize: the union carries no overlap
        }
        double sumQ = 0;
        double sumP = 0;
        for (int j = 0; j < n; j++) {
            lq[j] = exp.applyAsDouble(lq[j] - maxQ);
            lp[j] = exp.applyAsDouble(lp[j] - maxP);
            sumQ += lq[j];
            sumP += lp[j];
        }
        // sumQ, sumP ∈ [1, n]: the scales below are finite and normal.
        double qScale = 1.0 / sumQ;
        double pScale = invLambda / sumP;
        double z = 0;
        for (int j = 0; j < n; j++) {
            z += Math.min(lq[j] * qScale, lp[j] * pScale);
        }
        return z;
    }

    private double exact(int t, Scratch s) {
        final FloatView rollout = batch.rolloutFullLogProbs;
        final FloatView target = batch.targetFullLogProbs;
        final int v = rollout.dim(2);
        final int base = t * v;
        double z = 0;
        double rolloutMass = 0;
        double targetMass = 0;
        for (int x = 0; x < v; x++) {
            double q = exp.applyAsDouble(rollout.get(base + x));
            double p = exp.applyAsDouble(target.get(base + x));
            rolloutMass += q;
            targetMass += p;
            z += Math.min(q, p * invLambda);
        }
        s.unionSize = v;
        s.rolloutMass = rolloutMass;
        s.targetMass = targetMass;
        return z;
    }
}
