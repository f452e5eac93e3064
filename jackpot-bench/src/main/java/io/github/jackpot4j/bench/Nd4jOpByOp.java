package io.github.jackpot4j.bench;

import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.Target;
import io.github.jackpot4j.core.testing.SyntheticRollouts;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The Jackpot loss of the default configuration (MATH.md §3-§7: target = latest, cross log-probs
 * present, SAMPLED κ, TIS C, dual-clip PPO, token-mean) written op by op with ND4J, the way an ND4J
 * user would: whole-array element-wise ops and a broadcast [n,k,k] equality test for the union. The
 * union step runs over row blocks of {@value #BLOCK} tokens so that the [n,k,k] temporaries stay a
 * few hundred MB. Used only as the comparison point of the benchmarks; it must give the core's loss.
 */
public final class Nd4jOpByOp {
    static final int BLOCK = 16_384;

    final int n;
    final int k;
    final INDArray mask;
    final INDArray rolloutLogProbs;
    final INDArray oldLogProbs;
    final INDArray logProbs;
    final INDArray advantages;
    final INDArray uniforms;
    final INDArray rolloutIds;
    final INDArray rolloutTop;
    final INDArray targetIds;
    final INDArray targetTop;
    final INDArray targetAtRollout;
    final INDArray rolloutAtTarget;

    /** Uploads the batch into ND4J arrays once (not part of the timed work). */
    public Nd4jOpByOp(SyntheticRollouts d, float[] uniforms) {
        SyntheticRollouts.TopKLists top = d.topK(Target.LATEST);
        n = d.batchSize * d.length;
        k = d.k;
        mask = vector(d.responseMask);
        rolloutLogProbs = vector(d.rolloutLogProbs);
        oldLogProbs = vector(d.oldLogProbs);
        logProbs = vector(d.logProbs);
        advantages = vector(d.advantages);
        this.uniforms = vector(uniforms);
        rolloutIds = Nd4j.createFromArray(top.rolloutIds).reshape(n, k);
        targetIds = Nd4j.createFromArray(top.targetIds).reshape(n, k);
        rolloutTop = matrix(top.rolloutLogProbs);
        targetTop = matrix(top.targetLogProbs);
        targetAtRollout = matrix(top.targetAtRollout);
        rolloutAtTarget = matrix(top.rolloutAtTarget);
    }

    private INDArray vector(float[] v) {
        return Nd4j.create(v, new long[] {v.length}, 'c');
    }

    private INDArray matrix(float[] v) {
        return Nd4j.create(v, new long[] {n, k}, 'c');
    }

    /** The scalar loss. */
    public double loss(JackpotConfig c) {
        double lambda = c.lambda();
        INDArray target = logProbs; // target = latest
        INDArray ratio = Transforms.exp(target.sub(rolloutLogProbs));
        INDArray acceptance = Transforms.min(ratio.div(lambda), 1.0);
        INDArray accept = uniforms.lt(acceptance).castTo(DataType.FLOAT).muli(mask);

        INDArray zApprox = Nd4j.create(DataType.FLOAT, n);
        for (int from = 0; from < n; from += BLOCK) {
            int to = Math.min(n, from + BLOCK);
            int rows = to - from;
            INDArray rIds = rolloutIds.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            INDArray tIds = targetIds.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            INDArray same = tIds.reshape(rows, k, 1).broadcast(rows, k, k)
                    .eq(rIds.reshape(rows, 1, k).broadcast(rows, k, k));
            INDArray onlyTarget = same.castTo(DataType.FLOAT).max(2).rsub(1.0);
            INDArray q = Transforms.exp(rolloutTop.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()));
            INDArray p = Transforms.exp(targetAtRollout.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()));
            INDArray qOnly = Transforms.exp(rolloutAtTarget.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()))
                    .mul(onlyTarget);
            INDArray pOnly = Transforms.exp(targetTop.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()))
                    .mul(onlyTarget);
            INDArray z = Transforms.min(q, p.div(lambda)).sum(1).add(Transforms.min(qOnly, pOnly.div(lambda)).sum(1));
            zApprox.get(NDArrayIndex.interval(from, to)).assign(z);
        }
        zApprox.muli(mask);
        double kappa = accept.sumNumber().doubleValue() / zApprox.sumNumber().doubleValue();
        INDArray w = zApprox.mul(kappa).mul(Transforms.max(ratio, lambda));
        INDArray residual = Transforms.min(Transforms.exp(clamp(oldLogProbs.sub(target))),
                c.residualCorrection().high());
        INDArray rho = Transforms.min(w, c.weightClip()).mul(residual);

        INDArray r = Transforms.exp(clamp(logProbs.sub(oldLogProbs)));
        INDArray negAdv = advantages.neg();
        INDArray unclipped = negAdv.mul(r);
        INDArray clipped = negAdv.mul(Transforms.min(Transforms.max(r, 1 - c.clipRatioLow()), 1 + c.clipRatioHigh()));
        INDArray lc = Transforms.max(unclipped, clipped);
        INDArray dual = Transforms.min(lc, negAdv.mul(c.dualClip()));
        INDArray negative = advantages.lt(0).castTo(DataType.FLOAT);
        INDArray objective = dual.mul(negative).add(lc.mul(negative.rsub(1.0)));
        double accepted = accept.sumNumber().doubleValue();
        return accepted > 0 ? accept.mul(rho).mul(objective).sumNumber().doubleValue() / accepted : 0.0;
    }

    private static INDArray clamp(INDArray x) {
        return Transforms.min(Transforms.max(x, -20.0), 20.0);
    }
}
