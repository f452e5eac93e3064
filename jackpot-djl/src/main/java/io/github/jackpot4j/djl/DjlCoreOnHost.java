package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.BatchStatistics;
import io.github.jackpot4j.core.Execution;
import io.github.jackpot4j.core.FloatView;
import io.github.jackpot4j.core.IdView;
import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotResult;

import java.lang.ref.Reference;
import java.nio.Buffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Acceptance (MATH.md §3), the union normalizer (§4), the statistics and κ (§5), the weights (§6),
 * the per-token losses and their derivatives (§7) and the metrics (§10), computed by jackpot-core's
 * fused kernel ({@link Jackpot#compute}) over the arrays' own memory, when every input is a CPU array the
 * core can read in place (float32; ids int32 or int64; at most 2^31 − 1 bytes). One pass of the core
 * replaces about a hundred small engine ops; libtorch then only carries the core's per-token
 * derivatives back into the log-probs ({@link #perTokenLoss}) and aggregates ({@link DjlKernel}).
 * Other devices, other dtypes and {@code Options.hostKernel(false)} keep the engine's ops for every
 * step (docs/djl.md, "On the CPU").
 *
 * @param accept     Mask_t [B,T] as float 0/1
 * @param weights    ρ_t [B,T]
 * @param zApprox    Zapprox_t [B,T]
 * @param z          κ·Zapprox_t [B,T]
 * @param result     the core's result (κ, the statistics in scope and of this batch, the metrics)
 */
record DjlCoreOnHost(NDArray accept, NDArray weights, NDArray zApprox, NDArray z, JackpotResult result) {

    /**
     * True when the core can read every array in place: the float inputs float32, the ids int32 or
     * int64, all on the CPU (nulls skipped).
     */
    static boolean applies(List<NDArray> floats, List<NDArray> ids) {
        for (NDArray a : floats) {
            if (a != null && (a.isEmpty() || !DjlHost.readable(a, DataType.FLOAT32))) {
                return false;
            }
        }
        for (NDArray a : ids) {
            if (a.isEmpty() || !DjlHost.readable(a, DataType.INT32, DataType.INT64)) {
                return false;
            }
        }
        return true;
    }

    /** The float inputs of the core's batch: ℓ_new, ℓ_old, Â, mask, u, ℓ_inf and the four [B,T,k] lists. */
    static List<NDArray> floatInputs(NDArray logProbs, NDArray oldLp, NDArray advantages, NDArray mask,
                                     NDArray uniforms, RolloutSide side, TargetTopK target) {
        return Arrays.asList(logProbs, oldLp, advantages, mask, uniforms, side.logProbs(), side.topLogProbs(),
                target.logProbs, target.logProbsAtRolloutTopK, target.rolloutLogProbsAtTargetTopK);
    }

    /**
     * Runs the core over the inputs in place (their values already checked by {@link DjlChecks}, or vouched
     * for with {@code validateInputs(false)}: the core checks their shapes only) and writes
     * the four per-token outputs into new engine-owned arrays of {@code call.sub()}. Every array as
     * {@link #applies} accepts it; {@code mask} and {@code uniforms} may be null (all valid; the
     * counter-based draws of the rollout's step).
     */
    static DjlCoreOnHost compute(DjlKernel.Call call, NDArray logProbs, NDArray oldLp, NDArray advantages,
                                 NDArray mask, NDArray uniforms, RolloutSide side, TargetTopK target) {
        RolloutBatch rollout = call.rollout();
        Shape tokens = logProbs.getShape();
        int b = (int) tokens.get(0);
        int t = (int) tokens.get(1);
        int k = call.config().topK();
        JackpotBatch.Builder batch = JackpotBatch.builder(b, t, k)
                .sequenceOffset(rollout.sequenceOffset)
                .logProbs(floats(logProbs, b, t))
                .oldLogProbs(floats(oldLp, b, t))
                .advantages(floats(advantages, b, t))
                .rolloutLogProbs(floats(side.logProbs(), b, t))
                .rolloutTopK(ids(side.topIds(), b, t, k), floats(side.topLogProbs(), b, t, k))
                .targetTopK(ids(target.ids, b, t, k), floats(target.logProbs, b, t, k))
                .targetLogProbsAtRolloutTopK(floats(target.logProbsAtRolloutTopK, b, t, k));
        if (mask != null) {
            batch.responseMask(floats(mask, b, t));
        }
        if (target.rolloutLogProbsAtTargetTopK != null) {
            batch.rolloutLogProbsAtTargetTopK(floats(target.rolloutLogProbsAtTargetTopK, b, t, k));
        }
        if (uniforms != null) {
            batch.uniforms(floats(uniforms, b, t));
        } else if (rollout.step >= 0) {
            batch.step(rollout.step);
        }
        long vocab = call.vocab() > 0 ? call.vocab() : idBound(side.topIds(), target.ids);
        if (vocab > 0 && vocab <= Integer.MAX_VALUE) {
            batch.vocabSize((int) vocab); // the core's union then tests membership on a bit set over ids
        }
        JackpotResult result = JackpotResult.allocate(b, t);
        try {
            // the values were checked on the device (DjlChecks) or vouched for (validateInputs(false))
            Jackpot.compute(call.config(), batch.buildTrusted(), call.global(), result,
                    DjlHost.threads(side.topLogProbs()) > 1 ? Execution.parallel() : Execution.sequential());
        } finally {
            Reference.reachabilityFence(floatInputs(logProbs, oldLp, advantages, mask, uniforms, side, target));
            Reference.reachabilityFence(side.topIds());
            Reference.reachabilityFence(target.ids);
        }
        NDManager sub = call.sub();
        return new DjlCoreOnHost(upload(sub, result.acceptMask(), tokens), upload(sub, result.weights(), tokens),
                upload(sub, result.zApprox(), tokens), upload(sub, result.z(), tokens), result);
    }

    /**
     * m_t·ρ_t·L_t [B,T] (MATH.md §7) with the core's value and, as its gradient into {@code logProbs}, the
     * core's analytic ∂(m_t·ρ_t·L_t)/∂ℓ_t ({@link JackpotResult#perTokenGradient()}, checked against central
     * differences in the core and against autograd of the engine's ops in the adapter's tests):
     * value + (ℓ − SG(ℓ))·derivative, where ℓ − SG(ℓ) is 0 in value and 1 in gradient. ℓ is first raised to
     * −Float.MAX_VALUE, so a legal −∞ log-prob gives 0 there (its derivative is 0), not ∞ − ∞ = NaN.
     * Eight engine calls (two uploads, the bound, max, detach, sub, mul, add) instead of the objective's
     * fifteen ops and their backward.
     */
    NDArray perTokenLoss(NDManager sub, NDArray logProbs) {
        Shape tokens = logProbs.getShape();
        NDArray value = upload(sub, result.perTokenLoss(), tokens);
        NDArray derivative = upload(sub, result.perTokenGradient(), tokens);
        // an engine-owned bound: autograd keeps maximum's operands, and a scalar made from Java data would
        // read freed memory in the backward after a GC (GcPressureTest)
        NDArray finite = logProbs.maximum(DjlMath.scalar(logProbs, -Float.MAX_VALUE));
        return value.add(finite.sub(finite.stopGradient()).mul(derivative));
    }

    /** κ as the device path gives it (within float32, so that κ·Zapprox stays finite). */
    double kappa() {
        return DjlEdges.floatFactor(result.kappa());
    }

    /** The statistics of this batch alone (what a micro-batch contributes to the merged ones). */
    BatchStatistics batchStatistics() {
        return result.batchStatistics();
    }

    /** The statistics κ and the loss denominators come from (the global ones when given). */
    BatchStatistics scope() {
        return result.statistics();
    }

    /**
     * Without the vocabulary (the log-prob entry point with a cached rollout), 1 + the largest id of
     * both lists when that is at most 2^22 (so the core may use its bit set), else −1 (its hash set).
     * A negative id gives −1 as well.
     */
    private static long idBound(NDArray rolloutIds, NDArray targetIds) {
        long max = -1;
        for (NDArray ids : new NDArray[] {rolloutIds, targetIds}) {
            DjlHost.IdRange range = DjlHost.idRange(DjlHost.ids(ids));
            if (range.min() < 0) {
                return -1;
            }
            max = Math.max(max, range.max());
        }
        return max <= DjlHost.IdBits.MAX_ID ? max + 1 : -1;
    }

    private static FloatView floats(NDArray a, int... shape) {
        return FloatView.of(DjlHost.floats(Objects.requireNonNull(a)), shape);
    }

    private static IdView ids(NDArray a, int... shape) {
        Buffer ids = DjlHost.ids(a);
        return ids instanceof LongBuffer ? IdView.of((LongBuffer) ids, shape) : IdView.of((IntBuffer) ids, shape);
    }

    private static NDArray upload(NDManager manager, float[] values, Shape shape) {
        NDArray a = DjlHost.newArray(manager, shape, DataType.FLOAT32);
        DjlHost.floats(a).put(0, values);
        return a;
    }
}
