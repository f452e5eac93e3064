package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.MissingRolloutProb;


/**
 * The top-k union normalizer of MATH.md §4 on NDArrays, as the core's {@code UnionNormalizer}:
 * Zapprox_t = Σ_{x ∈ V_k(t)} min(q(x), p(x)/λ) over V_k(t) = topk(p_inf) ∪ topk(p_tgt), each id once,
 * with the missing-probability rule for target ids outside the rollout top-k and the optional
 * renormalization over V_k. Off the Jackpot path every array is 0.
 *
 * @param zApprox Zapprox_t [B,T], 0 at padding
 * @param totals  for the §10 metrics, or null: [3] = Σ_t (|V_k(t)| − k), Σ_t Σ_{V_k} q, Σ_t Σ_{V_k} p
 *                over the valid tokens (whole-array reductions: no per-token sum over the short k axis,
 *                which PyTorch does not vectorize)
 */
record DjlUnionNormalizer(NDArray zApprox, NDArray totals) {

    /** @param metrics false: no totals */
    static DjlUnionNormalizer of(JackpotConfig config, double lambda, RolloutSide rollout, TargetTopK target,
                                 NDArray valid, boolean metrics) {
        if (!config.useJackpot()) {
            return new DjlUnionNormalizer(valid.zerosLike(), metrics ? valid.getManager().zeros(new Shape(3)) : null);
        }
        NDArray q = rollout.topLogProbs().exp();
        NDArray p = target.logProbsAtRolloutTopK.exp();
        NDArray onlyTarget = onlyTarget(rollout.topIds(), target.ids);
        NDArray pOnly = target.logProbs.exp().mul(onlyTarget);
        NDArray qOnly;
        if (target.rolloutLogProbsAtTargetTopK != null) {
            qOnly = target.rolloutLogProbsAtTargetTopK.exp().mul(onlyTarget);
        } else if (config.missingRolloutProb() == MissingRolloutProb.BOUND) {
            qOnly = q.min(new int[] {-1}, true).mul(onlyTarget);
        } else {
            qOnly = onlyTarget.zerosLike();
        }
        NDArray z;
        NDArray validLists = metrics ? valid.expandDims(-1) : null;
        NDArray rolloutMassTotal = null;
        NDArray targetMassTotal = null;
        if (config.useTopkRenorm()) {
            NDArray rolloutMass = q.sum(new int[] {-1}).add(qOnly.sum(new int[] {-1}));
            NDArray targetMass = p.sum(new int[] {-1}).add(pOnly.sum(new int[] {-1}));
            z = renormalized(q, p, qOnly, pOnly, rolloutMass, targetMass, lambda);
            if (metrics) {
                rolloutMassTotal = rolloutMass.mul(valid).sum();
                targetMassTotal = targetMass.mul(valid).sum();
            }
        } else {
            // the rollout list's terms and the target's extra ids' terms added first: one sum over k
            z = q.minimum(p.div((float) lambda)).add(qOnly.minimum(pOnly.div((float) lambda))).sum(new int[] {-1});
            if (metrics) {
                rolloutMassTotal = q.add(qOnly).mul(validLists).sum();
                targetMassTotal = p.add(pOnly).mul(validLists).sum();
            }
        }
        NDArray totals = metrics ? NDArrays.stack(new NDList(onlyTarget.mul(validLists).sum(), rolloutMassTotal,
                targetMassTotal)) : null;
        return new DjlUnionNormalizer(z.mul(valid), totals);
    }

    /**
     * [..., j] = 1 where target id j is not in the rollout list (the target's extra ids of the union), 0
     * where it is, float32: one [..., k] comparison per rollout position, OR-ed — k passes over [B,T,k]
     * booleans instead of building [B,T,k,k] and reducing its short axis, which PyTorch does not
     * vectorize. (On CPU arrays the whole union is the core's, {@link DjlCoreOnHost}.)
     */
    static NDArray onlyTarget(NDArray rolloutIds, NDArray targetIds) {
        long k = rolloutIds.getShape().get(rolloutIds.getShape().dimension() - 1);
        NDArray in = rolloutIds.get("..., 0:1").eq(targetIds);
        for (long i = 1; i < k; i++) {
            in = in.logicalOr(rolloutIds.get("..., " + i + ":" + (i + 1)).eq(targetIds));
        }
        return in.logicalNot().toType(DataType.FLOAT32, false);
    }

    /** Σ_{V_k} min(q̂, p̂/λ) with q̂, p̂ renormalized over V_k; 0 where either mass is 0. */
    private static NDArray renormalized(NDArray q, NDArray p, NDArray qOnly, NDArray pOnly, NDArray rolloutMass,
                                        NDArray targetMass, double lambda) {
        NDArray positive = rolloutMass.gt(0f).logicalAnd(targetMass.gt(0f));
        NDArray qScale = NDArrays.where(positive, rolloutMass, rolloutMass.onesLike()).expandDims(-1);
        // p̂/λ as (p / Σp) / λ: Σp · λ can underflow float32 to 0 (then 0/0 = NaN); p/Σp ≤ 1, λ ≥ 1e-30
        NDArray pScale = NDArrays.where(positive, targetMass, targetMass.onesLike()).expandDims(-1);
        NDArray terms = q.div(qScale).minimum(p.div(pScale).div((float) lambda)).sum(new int[] {-1})
                .add(qOnly.div(qScale).minimum(pOnly.div(pScale).div((float) lambda)).sum(new int[] {-1}));
        return NDArrays.where(positive, terms, terms.zerosLike());
    }
}
