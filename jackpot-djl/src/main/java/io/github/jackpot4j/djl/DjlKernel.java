package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.BatchStatistics;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.RejectionUniforms;
import io.github.jackpot4j.core.Target;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * MATH.md §3-§7 and §10 on NDArrays, as the core's {@code JackpotKernel} composes them: acceptance
 * ({@link DjlAcceptance}), the union normalizer ({@link DjlUnionNormalizer}), the batch statistics and
 * κ (the core's {@link BatchStatistics}), the weights ({@link DjlWeights}), the objective
 * ({@link DjlPolicyObjective}) and its aggregation ({@link DjlLossAgg}), the metrics
 * ({@link DjlMetricSums}). Inputs arrive validated; every intermediate lives in the call's sub-manager.
 * On CPU arrays {@link DjlCoreOnHost} computes all of it but the aggregation with the core's kernel.
 */
final class DjlKernel {
    private DjlKernel() {
    }

    /**
     * One call of an entry point: its configuration, the caller's manager (which receives the outputs)
     * and the sub-manager of the intermediates, the rollout side, the statistics in scope and the options.
     *
     * @param global the merged statistics of the whole batch, or null for this batch's own
     * @param vocab  the vocabulary size when known (the logits' V), else −1
     */
    record Call(JackpotConfig config, NDManager caller, NDManager sub, RolloutBatch rollout, BatchStatistics global,
                JackpotDjl.Options options, long vocab) {
    }

    /**
     * @param logProbs ℓ_new [B,T] in float32, carrying gradient
     * @param target   the target's top-k lists in float32, {@code rolloutLogProbsAtTargetTopK} resolved
     *                 (given, gathered from the rollout logits, or null for the missing-probability rule)
     */
    static JackpotLossOutput compute(Call call, NDArray logProbs, RolloutSide side, TargetTopK target) {
        JackpotConfig config = call.config();
        RolloutBatch rollout = call.rollout();
        Shape tokens = logProbs.getShape();
        NDArray oldLp = rollout.oldLogProbs.toType(DataType.FLOAT32, false);
        NDArray advantages = rollout.advantages.toType(DataType.FLOAT32, false);
        if (config.budgetMode() && call.global() != null) {
            throw new IllegalArgumentException("budget mode with global statistics: λ must be one for all micro-batches;"
                    + " solve it over the whole batch and pass config.withLambda(λ)");
        }
        NDArray givenUniforms = rollout.uniforms != null ? rollout.uniforms.toType(DataType.FLOAT32, false) : null;
        if (config.useJackpot() && givenUniforms == null && rollout.step < 0) {
            throw new IllegalArgumentException("step is not set: call RolloutBatch.Builder.step(trainingStep) with the"
                    + " trainer's global step (or any counter that changes with every new batch of rollouts), so that"
                    + " every step draws fresh rejection uniforms (MATH.md §3; docs/math.md, \"Rejection draws\")");
        }
        NDArray mask = rollout.responseMask != null ? rollout.responseMask.toType(DataType.FLOAT32, false) : null;
        if (call.options().hostKernel() && DjlCoreOnHost.applies(
                DjlCoreOnHost.floatInputs(logProbs, oldLp, advantages, mask, givenUniforms, side, target),
                List.of(side.topIds(), target.ids))) {
            // §3-§7, §10 by the core's fused kernel over the arrays in place; libtorch only carries the
            // core's per-token derivative back into the log-probs and aggregates
            DjlCoreOnHost host = DjlCoreOnHost.compute(call, logProbs, oldLp, advantages, mask, givenUniforms, side, target);
            NDArray perToken = host.perTokenLoss(call.sub(), logProbs);
            NDArray loss = DjlLossAgg.aggregate(config, perToken, host.accept(), host.scope().acceptedTokens(),
                    host.scope().sequences(), tokens.get(1));
            Map<String, Double> metrics = call.options().metrics() ? Map.copyOf(host.result().metrics())
                    : Collections.emptyMap();
            // a loss beyond float32 is named by the core's value (±∞): its derivative overflows too, and
            // the device's value + 0·∞ would read NaN
            float coreLoss = (float) host.result().loss();
            float lossValue = !call.options().validateInputs() ? Float.NaN
                    : Float.isFinite(coreLoss) ? loss.getFloat() : coreLoss;
            return output(call, new JackpotLossOutput(loss, host.weights(), host.accept(), host.zApprox(), host.z(),
                    perToken, metrics, host.kappa(), host.batchStatistics()), lossValue);
        }
        // §7 objective (gradient flows through r only)
        DjlPolicyObjective objective = DjlPolicyObjective.evaluate(config, logProbs, oldLp, advantages);
        NDArray valid = mask != null ? mask : call.sub().ones(tokens, DataType.FLOAT32);
        NDArray targetLp = config.target() == Target.LATEST ? logProbs.stopGradient() : oldLp;

        // §3 acceptance and the rejection mask (§9: λ solved on the device in budget mode)
        NDArray delta = DjlMath.logRatio(targetLp, side.logProbs());
        double lambda = DjlBudgetCurve.lambda(config, delta, valid);
        NDArray uniforms = !config.useJackpot() ? null : givenUniforms != null ? givenUniforms
                : DjlMath.upload(call.sub(), RejectionUniforms.fill(config.seed(), rollout.step, rollout.sequenceOffset,
                        (int) tokens.get(0), (int) tokens.get(1), new float[(int) tokens.size()]), tokens);
        DjlAcceptance acceptance = DjlAcceptance.of(delta, lambda, uniforms, valid);
        NDArray accept = acceptance.accept();

        // §4 the top-k union normalizer
        DjlUnionNormalizer union = DjlUnionNormalizer.of(config, lambda, side, target, valid, call.options().metrics());

        // §5 batch statistics (five scalars leave the device) and κ, computed by the core's BatchStatistics
        BatchStatistics local = statistics(call, tokens, valid, acceptance, union.zApprox(), lambda);
        BatchStatistics scope = call.global() != null ? call.global() : local;
        // κ beyond float32 (Σ Zapprox underflowing) would make ∞ · 0 = NaN
        double kappa = DjlEdges.floatFactor(scope.kappaFor(config));

        // §6 weights (stop-gradient)
        NDArray z = union.zApprox().mul((float) kappa);
        DjlWeights weights = DjlWeights.of(config, z, acceptance, lambda,
                new DjlWeights.LogProbs(oldLp, targetLp, side.logProbs()), valid);

        // §7 the weighted objective and its aggregation
        NDArray perToken = accept.mul(weights.weights()).mul(objective.value());
        NDArray loss = DjlLossAgg.aggregate(config, perToken, accept, scope.acceptedTokens(), scope.sequences(),
                tokens.get(1));
        // §10 metrics: one stacked read of scalars, with the loss's value when it is checked
        Map<String, Double> metrics = Collections.emptyMap();
        float lossValue = Float.NaN;
        if (call.options().metrics()) {
            DjlMetricSums.Read read = DjlMetricSums.assemble(config, new DjlMetricSums.Inputs(valid, accept, union,
                    weights, objective, DjlMath.clampNoGrad(delta),
                    DjlMath.clampedLogRatioNoGrad(oldLp, logProbs.stopGradient())), local, kappa, lambda, loss);
            metrics = read.metrics();
            lossValue = read.loss();
        } else if (call.options().validateInputs()) {
            lossValue = loss.getFloat();
        }
        return output(call, new JackpotLossOutput(loss, weights.weights(), accept, union.zApprox(), z, perToken, metrics,
                kappa, local), lossValue);
    }

    /** Checks the loss's value (when inputs are validated) and hands the outputs to the caller's manager. */
    private static JackpotLossOutput output(Call call, JackpotLossOutput out, float lossValue) {
        if (call.options().validateInputs()) {
            JackpotConfig config = call.config();
            DjlEdges.requireFinite(lossValue, "the policy loss", "advantages (|A| · rho · r overflows;"
                    + " jackpot_clip_ratio = " + config.weightClip() + ", loss_scale_factor = " + config.lossScaleFactor()
                    + ")");
        }
        for (NDArray a : new NDArray[] {out.loss(), out.weights(), out.acceptMask(), out.zApprox(), out.z(),
            out.perTokenLoss()}) {
            a.attach(call.caller());
        }
        return out;
    }

    /** The mergeable statistics of §5: N, Σ Mask, Σ a, Σ Zapprox and the sequences with an accepted token. */
    private static BatchStatistics statistics(Call call, Shape tokens, NDArray valid, DjlAcceptance acceptance,
                                              NDArray zApprox, double lambda) {
        RolloutBatch rollout = call.rollout();
        NDArray accept = acceptance.accept();
        NDArray rowAccepted = accept.sum(new int[] {-1});
        NDArray sums = NDArrays.stack(new NDList(valid.sum(), accept.sum(), acceptance.acceptance().mul(valid).sum(),
                zApprox.sum(), rowAccepted.gt(0f).toType(DataType.FLOAT32, false).sum()));
        double[] s = new double[BatchStatistics.ARRAY_LENGTH];
        float[] read = sums.toFloatArray();
        for (int i = 0; i < s.length; i++) {
            s[i] = read[i];
        }
        long step = rollout.uniforms != null ? -1 : rollout.step;
        BatchStatistics local = BatchStatistics.of(s, call.config(), lambda, step, rollout.sequenceOffset,
                tokens.get(0));
        if (call.global() != null) {
            call.global().checkApplies(call.config(), step, rollout.sequenceOffset, tokens.get(0));
        }
        return local;
    }

    static NDArray responseMask(RolloutBatch rollout, NDManager sub, Shape tokens) {
        return rollout.responseMask != null ? rollout.responseMask.toType(DataType.FLOAT32, false)
                : sub.ones(tokens, DataType.FLOAT32);
    }
}
