package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.BatchStatistics;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.Target;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The Jackpot loss on DJL {@link NDArray}s (MATH.md §3-§8, §10), computed on the inputs' device with
 * the engine's own ops and the same {@link JackpotConfig} semantics as {@code jackpot-core}. The
 * returned loss backpropagates through the policy's log-probs (and logits); ρ, the mask, Z and κ are
 * stop-gradient. Only the scalar statistics and metrics leave the device; the rejection draws u_t
 * are the core's counter-based ones ({@code RejectionUniforms}), computed on the host and uploaded.
 *
 * <p>Every intermediate array lives in a sub-manager closed before the call returns; what is
 * returned is attached to the manager of the policy's array.
 *
 * <pre>{@code
 * try (GradientCollector gc = trainer.newGradientCollector()) {
 *     NDArray logits = policy.forward(ps, input, true).singletonOrThrow();      // [B,T,V]
 *     JackpotLossOutput out = JackpotDjl.policyLoss(config, logits, rollout);
 *     gc.backward(out.loss());
 * }
 * }</pre>
 */
public final class JackpotDjl {
    private JackpotDjl() {
    }

    /** Which KL the distillation loss of MATH.md §8 uses. */
    public enum Divergence {
        /** D(SG(p_θ) ‖ p_ω), the paper's eq. 7. */
        FORWARD,
        /** D(p_ω ‖ SG(p_θ)). */
        REVERSE
    }

    /** The policy loss from the policy's logits [B,T,V], with κ and denominators from this batch. */
    public static JackpotLossOutput policyLoss(JackpotConfig config, NDArray policyLogits, RolloutBatch rollout) {
        return policyLoss(config, policyLogits, rollout, null);
    }

    /**
     * The policy loss from the policy's logits [B,T,V] (MATH.md §3-§7): the sampled-token log-probs
     * are gathered from their log-softmax (gradient flows into the logits), the target's top-k is
     * taken from the same log-softmax (stop-gradient). Needs {@code jackpot_target = latest}.
     *
     * @param global statistics of the whole batch (merged over micro-batches), or null for this batch's
     */
    public static JackpotLossOutput policyLoss(JackpotConfig config, NDArray policyLogits, RolloutBatch rollout,
                                               BatchStatistics global) {
        return policyLoss(config, policyLogits, rollout, global, Options.DEFAULTS);
    }

    /**
     * {@link #policyLoss(JackpotConfig, NDArray, RolloutBatch, BatchStatistics)} with {@link Options}, as
     * for the log-prob entry point: {@code validateInputs(false)} also skips the finiteness check of the
     * [B,T,V] logits (a max over V per row and a host read); {@code metrics(false)} skips the §10
     * metrics. The loss, weights and statistics are the same as with the defaults.
     */
    public static JackpotLossOutput policyLoss(JackpotConfig config, NDArray policyLogits, RolloutBatch rollout,
                                               BatchStatistics global, Options options) {
        boolean validate = options.validateInputs();
        if (config.target() != Target.LATEST) {
            throw new IllegalArgumentException("jackpot_target = reference needs the reference model's top-k: use"
                    + " policyLoss(config, logProbs, TargetTopK, rollout, global)");
        }
        Shape logitShape = policyLogits.getShape();
        if (logitShape.dimension() != 3) {
            throw new IllegalArgumentException("policy_logits has shape " + logitShape + " but must be [B,T,V]");
        }
        DjlChecks.floating("policy_logits", policyLogits);
        NDManager caller = policyLogits.getManager();
        try (NDManager sub = caller.newSubManager(policyLogits.getDevice())) {
            tempAttach(sub, List.of(policyLogits), rollout.arrays());
            DjlInputs.logitsEntry(config.topK(), "policy_logits", policyLogits, rollout);
            DjlChecks checks = DjlChecks.deferred(validate, options.hostKernel());
            DjlInputs.rollout(config, rollout, new Shape(logitShape.get(0), logitShape.get(1)), logitShape.get(2),
                    checks);
            boolean float32 = policyLogits.getDataType() == DataType.FLOAT32;
            if (!float32) { // the rule is "finite in float32": checked on a float32 copy
                checks.logits("policy_logits", policyLogits);
            }
            // one log-softmax over V, shared by the sampled log-probs, the target's top-k and the gathers
            NDArray logp = DjlMath.toFloat32(policyLogits).logSoftmax(-1);
            NDArray target = logp.stopGradient();
            NDList top = DjlTopK.topK(target, config.topK(), rollout.rolloutTopkIds); // the rollout's top-k as a hint
            if (float32) { // the logits rule from the top-k values: no extra pass over [B,T,V]
                checks.logitsFromTopK("policy_logits", policyLogits, top.get(0));
            }
            NDArray ids = rollout.tokenIds.toType(DataType.INT64, false);
            RolloutSide side = RolloutSide.of(config, rollout, ids, checks).withInt64Ids(); // gathered from below
            NDArray logProbs = logp.gather(ids.expandDims(-1), -1).squeeze(-1);
            NDArray targetIds = top.get(1);
            TargetTopK targetTopK = new TargetTopK(targetIds, top.get(0), target.gather(side.topIds(), -1),
                    side.logSoftmax() != null ? side.logSoftmax().gather(targetIds, -1) : null);
            return DjlKernel.compute(new DjlKernel.Call(config, caller, sub, rollout, global, options, logitShape.get(2)),
                    logProbs, side, targetTopK);
        }
    }

    /**
     * The mergeable statistics (MATH.md §5) of one micro-batch, for gradient accumulation: merge those
     * of every micro-batch of the step, then pass the result to {@link #policyLoss(JackpotConfig, NDArray,
     * RolloutBatch, BatchStatistics)} (or {@link JackpotDjlLoss#microBatch}). Computes the loss once
     * without keeping anything; only five sums leave the device.
     */
    public static BatchStatistics statistics(JackpotConfig config, NDArray policyLogits, RolloutBatch rollout) {
        try (JackpotLossOutput out = policyLoss(config, policyLogits, rollout, null)) {
            return out.statistics();
        }
    }

    /**
     * The policy loss from the policy's sampled-token log-probs [B,T] (carrying gradient) and the
     * target's top-k inputs — for trainers that never materialize [B,T,V] logits in one array, and for
     * {@code jackpot_target = reference} (pass the reference model's top-k).
     */
    public static JackpotLossOutput policyLoss(JackpotConfig config, NDArray logProbs, TargetTopK target,
                                               RolloutBatch rollout, BatchStatistics global) {
        return policyLoss(config, logProbs, target, rollout, global, Options.DEFAULTS);
    }

    /**
     * Per-call options of the policy-loss entry points (from log-probs and from logits): the input
     * validation of MATH.md §1 and the metrics of §10. The defaults validate every input and compute every
     * metric.
     *
     * @param validateInputs {@code false}: trusted inputs — skip the value checks (log-probs ≤ 0 and not
     *                       NaN, finite advantages, ids in range and distinct within a list, 0/1 mask,
     *                       uniforms in [0, 1), finite logits — a max over V per row of [B,T,V] rollout or
     *                       non-float32 policy logits —: device reductions read back together) and the
     *                       finiteness check of the loss. Shapes and dtypes are still checked (host-side,
     *                       free). With invalid inputs the loss is then undefined instead of an error
     *                       naming the bad element.
     * @param metrics        {@code false}: skip the §10 metrics (their reductions and host read);
     *                       {@code metrics()} is then empty
     * @param hostKernel     {@code true} (the default): when every input is a CPU array of float32 values
     *                       and int32/int64 ids, §3-§7 and the §10 metrics are computed by jackpot-core's
     *                       fused kernel over the arrays' memory (the per-token losses with their analytic
     *                       derivatives), libtorch only backpropagates those and aggregates, and the value
     *                       checks of CPU arrays are Java loops over them; {@code false}: the engine's ops
     *                       for every step and check on every device — the op sequence a GPU runs.
     *                       The loss, weights and gradient agree within float32 rounding (docs/djl.md)
     */
    public record Options(boolean validateInputs, boolean metrics, boolean hostKernel) {
        static final Options DEFAULTS = new Options(true, true, true);

        /** Validate every input, compute every metric, use the core's kernel on CPU arrays. */
        public static Options defaults() {
            return DEFAULTS;
        }

        /** These options with {@code validateInputs} set. */
        public Options validateInputs(boolean validate) {
            return new Options(validate, metrics, hostKernel);
        }

        /** These options with {@code metrics} set. */
        public Options metrics(boolean compute) {
            return new Options(validateInputs, compute, hostKernel);
        }

        /** These options with {@code hostKernel} set. */
        public Options hostKernel(boolean useCore) {
            return new Options(validateInputs, metrics, useCore);
        }
    }

    /**
     * {@link #policyLoss(JackpotConfig, NDArray, TargetTopK, RolloutBatch, BatchStatistics)} with
     * {@link Options}: e.g. {@code Options.defaults().validateInputs(false).metrics(false)} for a trusted
     * hot loop that reads only the loss.
     */
    public static JackpotLossOutput policyLoss(JackpotConfig config, NDArray logProbs, TargetTopK target,
                                               RolloutBatch rollout, BatchStatistics global, Options options) {
        boolean validate = options.validateInputs();
        Shape tokens = logProbs.getShape();
        if (tokens.dimension() != 2) {
            throw new IllegalArgumentException("log_probs has shape " + tokens + " but must be [B,T]");
        }
        NDManager caller = logProbs.getManager();
        try (NDManager sub = caller.newSubManager(logProbs.getDevice())) {
            tempAttach(sub, List.of(logProbs), rollout.arrays(), target.arrays());
            long vocab = rollout.rolloutLogits != null ? rollout.rolloutLogits.getShape().get(2) : Long.MAX_VALUE;
            DjlChecks checks = DjlChecks.deferred(validate, options.hostKernel());
            DjlInputs.logProbsEntry(config.topK(), logProbs, rollout, checks);
            DjlInputs.rollout(config, rollout, tokens, vocab, checks);
            checks.logProbs("log_probs", logProbs);
            Shape lists = new Shape(tokens.get(0), tokens.get(1), config.topK());
            DjlInputs.target(target, lists, vocab, checks);
            NDArray ids = rollout.tokenIds.toType(DataType.INT64, false);
            RolloutSide side = RolloutSide.of(config, rollout, ids, checks);
            // The ids only meet in the union's equality test when no rollout logits are gathered: keep
            // them in their own integer type when both lists share it (no int64 copies of [B,T,k]).
            boolean sameIdType = rollout.rolloutLogits == null
                    && target.ids.getDataType() == rollout.rolloutTopkIds.getDataType();
            NDArray targetIds = sameIdType ? target.ids : target.ids.toType(DataType.INT64, false);
            if (!sameIdType) {
                side = side.withInt64Ids();
            }
            NDArray rolloutAtTarget = target.rolloutLogProbsAtTargetTopK != null
                    ? target.rolloutLogProbsAtTargetTopK.toType(DataType.FLOAT32, false)
                    : side.logSoftmax() != null ? side.logSoftmax().gather(targetIds, -1) : null;
            TargetTopK resolved = new TargetTopK(targetIds, target.logProbs.toType(DataType.FLOAT32, false),
                    target.logProbsAtRolloutTopK.toType(DataType.FLOAT32, false), rolloutAtTarget);
            return DjlKernel.compute(new DjlKernel.Call(config, caller, sub, rollout, global, options,
                    vocab == Long.MAX_VALUE ? -1 : vocab), DjlMath.toFloat32(logProbs), side, resolved);
        }
    }

    /** The given arrays (nulls skipped, each once) attached to {@code sub} until it closes. */
    @SafeVarargs
    private static void tempAttach(NDManager sub, List<NDArray>... arrays) {
        Set<NDArray> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (List<NDArray> list : arrays) {
            for (NDArray a : list) {
                if (a != null && seen.add(a)) {
                    a.tempAttach(sub);
                }
            }
        }
    }

    /**
     * The rollout model's (actor's) PPO loss of MATH.md §8, eq. 6: §7 with the actor's log-probs ℓ_ω
     * (gathered from {@code actorLogits}, carrying gradient), its anchor ℓ_ω,old
     * ({@link RolloutBatch.Builder#actorOldLogProbs}, default the rollout log-probs) and the residual
     * correction F(p_ω,old / p_inf); no rejection.
     */
    public static JackpotLossOutput actorLoss(JackpotConfig config, NDArray actorLogits, RolloutBatch rollout) {
        try (NDManager sub = actorLogits.getManager().newSubManager(actorLogits.getDevice())) {
            tempAttach(sub, List.of(actorLogits), rollout.arrays());
            DjlInputs.actor(config.topK(), actorLogits, rollout); // named as the actor's, before the policy path
        }
        JackpotConfig baseline = config.toBuilder().useJackpot(false).target(Target.LATEST).build();
        NDArray anchor = rollout.actorOldLogProbs != null ? rollout.actorOldLogProbs
                : rollout.rolloutLogProbs != null ? rollout.rolloutLogProbs : null;
        if (anchor == null) {
            throw new IllegalArgumentException("actor_old_log_probs is required in use-latest-logits mode"
                    + " (there are no cached rollout log-probs to anchor the actor's PPO loss)");
        }
        return policyLoss(baseline, actorLogits, rollout.withOldLogProbs(anchor), null);
    }

    /**
     * The distillation loss of MATH.md §8 (eq. 7): per token, D(SG(p_θ) ‖ p_ω) ({@link Divergence#FORWARD})
     * or D(p_ω ‖ SG(p_θ)) over the full vocabulary, aggregated as §7 over {@code response_mask}. The
     * gradient flows into {@code actorLogits} only.
     */
    public static NDArray distillationLoss(JackpotConfig config, NDArray policyLogits, NDArray actorLogits,
                                           RolloutBatch rollout, Divergence divergence) {
        Shape shape = policyLogits.getShape();
        DjlChecks.shape("actor_logits", actorLogits, shape);
        NDManager caller = actorLogits.getManager();
        try (NDManager sub = caller.newSubManager(actorLogits.getDevice())) {
            tempAttach(sub, List.of(actorLogits, policyLogits), rollout.arrays());
            DjlInputs.distillation(policyLogits, actorLogits, rollout);
            Shape tokens = new Shape(shape.get(0), shape.get(1));
            NDArray valid = DjlKernel.responseMask(rollout, sub, tokens);
            NDArray policy = policyLogits.toType(DataType.FLOAT32, false).logSoftmax(-1).stopGradient();
            NDArray actor = DjlMath.toFloat32(actorLogits).logSoftmax(-1);
            NDArray kl = divergence == Divergence.FORWARD ? DjlEdges.kl(policy, "policy_logits", actor, "actor_logits", valid)
                    : DjlEdges.kl(actor, "actor_logits", policy, "policy_logits", valid);
            NDArray perToken = kl.mul(valid);
            float[] counts = NDArrays.stack(new NDList(valid.sum(),
                    valid.sum(new int[] {-1}).gt(0f).toType(DataType.FLOAT32, false).sum())).toFloatArray();
            NDArray loss = DjlLossAgg.aggregate(config, perToken, valid, counts[0], counts[1], shape.get(1));
            DjlEdges.requireFinite(loss.getFloat(), "the distillation loss", "policy_logits and actor_logits (log-probs so far"
                    + " apart, near the float32 limit, that the KL overflows)");
            loss.attach(caller);
            return loss;
        }
    }

    /**
     * The joint objective of MATH.md §8 (eq. 8): L = L_PPO-OBRS(θ) + L_PPO(ω) + λ_distill·L_distill(ω),
     * with gradients into both the policy's and the actor's logits.
     */
    public static JointLossOutput jointLoss(JackpotConfig config, NDArray policyLogits, NDArray actorLogits,
                                            RolloutBatch rollout, double lambdaDistill) {
        if (!(lambdaDistill >= 0) || Double.isInfinite(lambdaDistill)) {
            throw new IllegalArgumentException("lambda_distill = " + lambdaDistill + " must be finite and >= 0");
        }
        JackpotLossOutput policy = policyLoss(config, policyLogits, rollout, null);
        JackpotLossOutput actor = null;
        NDArray distill = null;
        try {
            actor = actorLoss(config, actorLogits, rollout);
            distill = distillationLoss(config, policyLogits, actorLogits, rollout, Divergence.FORWARD);
            NDArray total;
            // engine-owned constant (autograd may keep it); the intermediates are closed so that only the
            // outputs stay in the caller's manager (autograd keeps its own references)
            try (NDArray weight = DjlMath.scalar(distill, lambdaDistill);
                 NDArray ppo = policy.loss().add(actor.loss());
                 NDArray weighted = distill.mul(weight)) {
                total = ppo.add(weighted);
            }
            return new JointLossOutput(total, policy, actor, distill, lambdaDistill);
        } catch (RuntimeException e) { // a failing stage leaves nothing behind in the caller's manager
            policy.close();
            if (actor != null) {
                actor.close();
            }
            if (distill != null) {
                distill.close();
            }
            throw e;
        }
    }
}
