package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.BatchStatistics;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.MetricSums;
import io.github.jackpot4j.core.MissingRolloutProb;
import io.github.jackpot4j.core.RejectionUniforms;
import io.github.jackpot4j.core.ResidualCorrection;
import io.github.jackpot4j.core.Target;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Jackpot loss on DJL {@link NDArray}s (MATH.md §3-§8, §10), computed on the inputs' device with
 * the engine's own ops and the same {@link JackpotConfig} semantics as {@code jackpot-core}. The
 * returned loss backpropagates through the policy's log-probs (and logits); ρ, the mask, Z and κ are
 * stop-gradient. Only the scalar statistics and metrics leave the device; the rejection draws u_t
 * are the core's counter-based ones ({@link RejectionUniforms}), computed on the host and uploaded.
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
        boolean validate = options.validateInputs;
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
            tempAttach(sub, policyLogits, rollout.arrays());
            Shape tokens = new Shape(logitShape.get(0), logitShape.get(1));
            long vocab = logitShape.get(2);
            DjlChecks.logitsEntry(config.topK(), "policy_logits", policyLogits, rollout);
            checkRollout(config, rollout, tokens, vocab, validate);
            boolean float32 = policyLogits.getDataType() == DataType.FLOAT32;
            if (validate && !float32) { // the rule is "finite in float32": checked on a float32 copy
                DjlChecks.noNaN("policy_logits", policyLogits);
            }
            // one log-softmax over V, shared by the sampled log-probs, the target's top-k and the gathers
            NDArray logp = DjlMath.toFloat32(policyLogits).logSoftmax(-1);
            NDArray target = logp.stopGradient();
            NDList top = target.topK(config.topK(), -1);
            NDArray targetIds = top.get(1);
            NDArray targetTop = top.get(0);
            if (validate && float32) { // the logits rule from the top-k values: no extra pass over [B,T,V]
                DjlChecks.logitsFromTopK("policy_logits", policyLogits, targetTop);
            }
            NDArray ids = rollout.tokenIds.toType(DataType.INT64, false);
            NDArray logProbs = logp.gather(ids.expandDims(-1), -1).squeeze(-1);
            RolloutSide r = rolloutSide(config, rollout, ids, validate);
            r.topIds = r.topIds.toType(DataType.INT64, false); // gathered from below
            NDArray targetAtRollout = target.gather(r.topIds, -1);
            NDArray rolloutAtTarget = r.logSoftmax != null ? r.logSoftmax.gather(targetIds, -1) : null;
            return compute(config, caller, sub, logProbs, targetIds, targetTop, targetAtRollout, rolloutAtTarget, r,
                    rollout, global, options);
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
     * Per-call options of {@link JackpotDjl#policyLoss(JackpotConfig, NDArray, TargetTopK, RolloutBatch,
     * BatchStatistics, Options)} and of the logits entry point {@link JackpotDjl#policyLoss(JackpotConfig,
     * NDArray, RolloutBatch, BatchStatistics, Options)}. The defaults validate every input and compute every metric.
     */
    public static final class Options {
        static final Options DEFAULTS = new Options(true, true);
        final boolean validateInputs;
        final boolean metrics;

        private Options(boolean validateInputs, boolean metrics) {
            this.validateInputs = validateInputs;
            this.metrics = metrics;
        }

        /** Validate every input, compute every metric. */
        public static Options defaults() {
            return DEFAULTS;
        }

        /**
         * {@code false}: trusted inputs — skip the value checks that each cost a device reduction and a
         * host read (log-probs ≤ 0 and not NaN, finite advantages, ids in range and distinct within a
         * list — two [B,T,k,k] comparisons —, 0/1 mask, uniforms in [0, 1), finite logits — a max over V
         * per row of the [B,T,V] policy or rollout logits —) and the finiteness check of the loss (a host
         * read). Shapes and dtypes are still checked (host-side, free). With invalid
         * inputs the loss is then undefined instead of an error naming the bad element.
         */
        public Options validateInputs(boolean validate) {
            return new Options(validate, metrics);
        }

        /** {@code false}: skip the §10 metrics (their reductions and one host read); {@code metrics()} is then empty. */
        public Options metrics(boolean compute) {
            return new Options(validateInputs, compute);
        }
    }

    /**
     * {@link #policyLoss(JackpotConfig, NDArray, TargetTopK, RolloutBatch, BatchStatistics)} with
     * {@link Options}: e.g. {@code Options.defaults().validateInputs(false).metrics(false)} for a trusted
     * hot loop that reads only the loss.
     */
    public static JackpotLossOutput policyLoss(JackpotConfig config, NDArray logProbs, TargetTopK target,
                                               RolloutBatch rollout, BatchStatistics global, Options options) {
        boolean validate = options.validateInputs;
        Shape tokens = logProbs.getShape();
        if (tokens.dimension() != 2) {
            throw new IllegalArgumentException("log_probs has shape " + tokens + " but must be [B,T]");
        }
        NDManager caller = logProbs.getManager();
        try (NDManager sub = caller.newSubManager(logProbs.getDevice())) {
            List<NDArray> all = new ArrayList<>(rollout.arrays());
            for (NDArray a : new NDArray[] {target.ids, target.logProbs, target.logProbsAtRolloutTopK,
                    target.rolloutLogProbsAtTargetTopK}) {
                if (a != null) {
                    all.add(a);
                }
            }
            tempAttach(sub, logProbs, all);
            long vocab = rollout.rolloutLogits != null ? rollout.rolloutLogits.getShape().get(2) : Long.MAX_VALUE;
            DjlChecks.logProbsEntry(config.topK(), logProbs, rollout);
            checkRollout(config, rollout, tokens, vocab, validate);
            if (validate) {
                DjlChecks.logProbs("log_probs", logProbs);
            }
            Shape lists = new Shape(tokens.get(0), tokens.get(1), config.topK());
            DjlChecks.shape("target_topk_ids", target.ids, lists);
            DjlChecks.shape("target_topk_log_probs", target.logProbs, lists);
            DjlChecks.shape("target_log_probs_at_rollout_topk", target.logProbsAtRolloutTopK, lists);
            DjlChecks.integer("target_topk_ids", target.ids);
            if (validate) {
                DjlChecks.ids("target_topk_ids", target.ids, vocab);
                DjlChecks.distinct("target_topk_ids", target.ids);
                DjlChecks.logProbs("target_topk_log_probs", target.logProbs);
                DjlChecks.logProbs("target_log_probs_at_rollout_topk", target.logProbsAtRolloutTopK);
            }
            NDArray ids = rollout.tokenIds.toType(DataType.INT64, false);
            RolloutSide r = rolloutSide(config, rollout, ids, validate);
            // The ids only meet in the union's equality test when no rollout logits are gathered: keep
            // them in their own integer type when both lists share it (no int64 copies of [B,T,k]).
            boolean sameIdType = rollout.rolloutLogits == null
                    && target.ids.getDataType() == rollout.rolloutTopkIds.getDataType();
            NDArray targetIds = sameIdType ? target.ids : target.ids.toType(DataType.INT64, false);
            if (!sameIdType) {
                r.topIds = r.topIds.toType(DataType.INT64, false);
            }
            NDArray rolloutAtTarget = target.rolloutLogProbsAtTargetTopK != null
                    ? target.rolloutLogProbsAtTargetTopK.toType(DataType.FLOAT32, false)
                    : r.logSoftmax != null ? r.logSoftmax.gather(targetIds, -1) : null;
            if (rolloutAtTarget != null && target.rolloutLogProbsAtTargetTopK != null) {
                DjlChecks.shape("rollout_log_probs_at_target_topk", target.rolloutLogProbsAtTargetTopK, lists);
                if (validate) {
                    DjlChecks.logProbs("rollout_log_probs_at_target_topk", rolloutAtTarget);
                }
            }
            return compute(config, caller, sub, DjlMath.toFloat32(logProbs), targetIds,
                    target.logProbs.toType(DataType.FLOAT32, false),
                    target.logProbsAtRolloutTopK.toType(DataType.FLOAT32, false), rolloutAtTarget, r, rollout, global,
                    options);
        }
    }

    /** The rollout model's side: ℓ_inf [B,T], its top-k [B,T,k], and its log-softmax when logits were given. */
    private static final class RolloutSide {
        NDArray logProbs;
        NDArray topIds;
        NDArray topLogProbs;
        NDArray logSoftmax;
    }

    private static RolloutSide rolloutSide(JackpotConfig config, RolloutBatch rollout, NDArray ids, boolean validate) {
        RolloutSide r = new RolloutSide();
        if (rollout.rolloutLogits != null) {
            if (validate) {
                DjlChecks.noNaN("rollout_logits", rollout.rolloutLogits);
            }
            r.logSoftmax = rollout.rolloutLogits.toType(DataType.FLOAT32, false).logSoftmax(-1).stopGradient();
            r.logProbs = r.logSoftmax.gather(ids.expandDims(-1), -1).squeeze(-1);
            NDList top = r.logSoftmax.topK(config.topK(), -1);
            r.topLogProbs = top.get(0);
            r.topIds = top.get(1);
        } else {
            r.logProbs = rollout.rolloutLogProbs.toType(DataType.FLOAT32, false);
            r.topIds = rollout.rolloutTopkIds; // in its own integer type: the callers convert where they gather
            r.topLogProbs = rollout.rolloutTopkLogProbs.toType(DataType.FLOAT32, false);
        }
        if (!config.useLatestLogits()) {
            r.logSoftmax = null; // MATH.md §4: cached top-k only, the missing-probability rule applies
        }
        return r;
    }

    /** Shapes and dtypes always; the values (device reductions, host reads) only when {@code validate}. */
    private static void checkRollout(JackpotConfig config, RolloutBatch rollout, Shape tokens, long vocab,
                                     boolean validate) {
        DjlChecks.shape("token_ids", rollout.tokenIds, tokens);
        DjlChecks.integer("token_ids", rollout.tokenIds);
        DjlChecks.shape("old_log_probs", rollout.oldLogProbs, tokens);
        DjlChecks.shape("advantages", rollout.advantages, tokens);
        if (validate) {
            if (vocab != Long.MAX_VALUE) {
                DjlChecks.ids("token_ids", rollout.tokenIds, vocab);
            }
            DjlChecks.logProbs("old_log_probs", rollout.oldLogProbs);
            DjlChecks.finite("advantages", rollout.advantages);
        }
        if (rollout.responseMask != null) {
            DjlChecks.shape("response_mask", rollout.responseMask, tokens);
            if (validate) {
                DjlChecks.mask("response_mask", rollout.responseMask);
            }
        }
        if (rollout.uniforms != null) {
            DjlChecks.shape("uniforms", rollout.uniforms, tokens);
            if (validate) {
                DjlChecks.uniforms("uniforms", rollout.uniforms);
            }
        }
        if (rollout.actorOldLogProbs != null) {
            DjlChecks.shape("actor_old_log_probs", rollout.actorOldLogProbs, tokens);
            if (validate) {
                DjlChecks.logProbs("actor_old_log_probs", rollout.actorOldLogProbs);
            }
        }
        if (rollout.rolloutLogits != null) {
            Shape expected = new Shape(tokens.get(0), tokens.get(1), vocab == Long.MAX_VALUE
                    ? rollout.rolloutLogits.getShape().get(2) : vocab);
            DjlChecks.shape("rollout_logits", rollout.rolloutLogits, expected);
            DjlChecks.floating("rollout_logits", rollout.rolloutLogits);
        } else {
            Shape lists = new Shape(tokens.get(0), tokens.get(1), config.topK());
            DjlChecks.shape("rollout_log_probs", rollout.rolloutLogProbs, tokens);
            DjlChecks.shape("rollout_topk_ids", rollout.rolloutTopkIds, lists);
            DjlChecks.shape("rollout_topk_log_probs", rollout.rolloutTopkLogProbs, lists);
            DjlChecks.integer("rollout_topk_ids", rollout.rolloutTopkIds);
            if (validate) {
                if (vocab != Long.MAX_VALUE) {
                    DjlChecks.ids("rollout_topk_ids", rollout.rolloutTopkIds, vocab);
                }
                DjlChecks.distinct("rollout_topk_ids", rollout.rolloutTopkIds);
                DjlChecks.logProbs("rollout_log_probs", rollout.rolloutLogProbs);
                DjlChecks.logProbs("rollout_topk_log_probs", rollout.rolloutTopkLogProbs);
            }
        }
    }

    private static void tempAttach(NDManager sub, NDArray first, List<NDArray> rest) {
        Set<NDArray> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.add(first);
        first.tempAttach(sub);
        for (NDArray a : rest) {
            if (seen.add(a)) {
                a.tempAttach(sub);
            }
        }
    }

    static NDArray responseMask(RolloutBatch rollout, NDManager sub, Shape tokens) {
        return rollout.responseMask != null ? rollout.responseMask.toType(DataType.FLOAT32, false)
                : sub.ones(tokens, DataType.FLOAT32);
    }

    static NDArray uniforms(JackpotConfig config, RolloutBatch rollout, NDManager sub, Shape tokens) {
        if (rollout.uniforms != null) {
            return rollout.uniforms.toType(DataType.FLOAT32, false);
        }
        if (rollout.step < 0) {
            throw new IllegalArgumentException("step is not set: call RolloutBatch.Builder.step(trainingStep) with the"
                    + " trainer's global step (or any counter that changes with every new batch of rollouts), so that"
                    + " every step draws fresh rejection uniforms (MATH.md §3; docs/math.md, \"Rejection draws\")");
        }
        int b = (int) tokens.get(0);
        int t = (int) tokens.get(1);
        return DjlMath.upload(sub, RejectionUniforms.fill(config.seed(), rollout.step, rollout.sequenceOffset, b, t,
                new float[b * t]), tokens);
    }

    /** MATH.md §3-§7 and §10 on the device, in the sub-manager; results attached to {@code caller}. */
    private static JackpotLossOutput compute(JackpotConfig config, NDManager caller, NDManager sub, NDArray logProbs,
                                             NDArray targetIds, NDArray targetTop, NDArray targetAtRollout,
                                             NDArray rolloutAtTarget, RolloutSide r, RolloutBatch rollout,
                                             BatchStatistics global, Options options) {
        Shape tokens = logProbs.getShape();
        boolean useJackpot = config.useJackpot();
        NDArray valid = responseMask(rollout, sub, tokens);
        NDArray oldLp = rollout.oldLogProbs.toType(DataType.FLOAT32, false);
        NDArray advantages = rollout.advantages.toType(DataType.FLOAT32, false);
        NDArray targetLp = config.target() == Target.LATEST ? logProbs.stopGradient() : oldLp;

        // §3 acceptance and the rejection mask (§9: λ solved on the device in budget mode)
        NDArray delta = DjlMath.logRatio(targetLp, r.logProbs);
        if (config.budgetMode() && global != null) {
            throw new IllegalArgumentException("budget mode with global statistics: λ must be one for all micro-batches;"
                    + " solve it over the whole batch and pass config.withLambda(λ)");
        }
        double lambda = DjlBudget.lambda(config, delta, valid); // clamped to [1e-30, 1e30] for float32
        NDArray ratio = delta.exp();
        NDArray acceptance = ratio.div((float) lambda).minimum(1f);
        NDArray accept = useJackpot
                ? uniforms(config, rollout, sub, tokens).lt(acceptance).toType(DataType.FLOAT32, false).mul(valid)
                : valid.duplicate(); // never hand the caller's own mask back as an output

        // §4 the top-k union normalizer
        NDArray zApprox;
        NDArray unionSize;
        NDArray rolloutMass;
        NDArray targetMass;
        if (useJackpot) {
            NDArray q = r.topLogProbs.exp();
            NDArray p = targetAtRollout.exp();
            // [b,t,i,j] = (rollout id i == target id j), summed over i: a boolean sum over the outer of the
            // two list axes (PyTorch vectorizes it along the contiguous j; a reduction over the innermost
            // axis of length k does not vectorize), and no float32 copy of the [B,T,k,k] temporary
            NDArray inRollout = r.topIds.expandDims(-1).eq(targetIds.expandDims(-2)).toType(DataType.INT8, false)
                    .max(new int[] {-2}).toType(DataType.FLOAT32, false);
            NDArray onlyTarget = inRollout.neg().add(1f);
            NDArray pOnly = targetTop.exp().mul(onlyTarget);
            NDArray qOnly;
            if (rolloutAtTarget != null) {
                qOnly = rolloutAtTarget.exp().mul(onlyTarget);
            } else if (config.missingRolloutProb() == MissingRolloutProb.BOUND) {
                qOnly = q.min(new int[] {-1}, true).mul(onlyTarget);
            } else {
                qOnly = onlyTarget.zerosLike();
            }
            rolloutMass = q.sum(new int[] {-1}).add(qOnly.sum(new int[] {-1}));
            targetMass = p.sum(new int[] {-1}).add(pOnly.sum(new int[] {-1}));
            NDArray z;
            if (config.useTopkRenorm()) {
                NDArray positive = rolloutMass.gt(0f).logicalAnd(targetMass.gt(0f));
                NDArray qScale = NDArrays.where(positive, rolloutMass, rolloutMass.onesLike()).expandDims(-1);
                // p̂/λ as (p / Σp) / λ: Σp · λ can underflow float32 to 0 (then 0/0 = NaN); p/Σp ≤ 1, λ ≥ 1e-30
                NDArray pScale = NDArrays.where(positive, targetMass, targetMass.onesLike()).expandDims(-1);
                NDArray terms = q.div(qScale).minimum(p.div(pScale).div((float) lambda)).sum(new int[] {-1})
                        .add(qOnly.div(qScale).minimum(pOnly.div(pScale).div((float) lambda)).sum(new int[] {-1}));
                z = NDArrays.where(positive, terms, terms.zerosLike());
            } else {
                z = q.minimum(p.div((float) lambda)).sum(new int[] {-1})
                        .add(qOnly.minimum(pOnly.div((float) lambda)).sum(new int[] {-1}));
            }
            zApprox = z.mul(valid);
            unionSize = onlyTarget.sum(new int[] {-1}).add((float) config.topK());
        } else {
            zApprox = valid.zerosLike();
            unionSize = valid.zerosLike();
            rolloutMass = valid.zerosLike();
            targetMass = valid.zerosLike();
        }

        // §5 batch statistics (five scalars leave the device) and κ, computed by the core's BatchStatistics
        NDArray rowAccepted = accept.sum(new int[] {-1});
        NDArray sums = NDArrays.stack(new NDList(valid.sum(), accept.sum(), acceptance.mul(valid).sum(), zApprox.sum(),
                rowAccepted.gt(0f).toType(DataType.FLOAT32, false).sum()));
        float[] s = sums.toFloatArray();
        long step = rollout.uniforms != null ? -1 : rollout.step;
        BatchStatistics local = BatchStatistics.of(new double[] {s[0], s[1], s[2], s[3], s[4]}, config, lambda, step,
                rollout.sequenceOffset, tokens.get(0));
        if (global != null) {
            global.checkApplies(config, step, rollout.sequenceOffset, tokens.get(0));
        }
        BatchStatistics scope = global != null ? global : local;
        double kappa = scope.kappaFor(config);

        // §6 weights (stop-gradient)
        kappa = DjlEdges.floatFactor(kappa); // κ beyond float32 (Σ Zapprox underflowing) would make ∞ · 0 = NaN
        NDArray z = zApprox.mul((float) kappa);
        ResidualCorrection f = config.residualCorrection();
        NDArray weights;
        NDArray residualRatio;
        NDArray obrsClipped;
        if (useJackpot) {
            NDArray w = config.maskOnly() ? valid.onesLike()
                    : NDArrays.where(z.eq(0f), z.zerosLike(), z.mul(ratio.maximum((float) lambda)));
            obrsClipped = w.gt((float) config.weightClip()).toType(DataType.FLOAT32, false);
            residualRatio = DjlMath.clampedLogRatio(oldLp, targetLp).exp();
            weights = w.minimum((float) config.weightClip()).mul(DjlMath.residual(f, residualRatio));
        } else {
            obrsClipped = valid.zerosLike();
            residualRatio = DjlMath.clampedLogRatio(oldLp, r.logProbs).exp();
            weights = DjlMath.residual(f, residualRatio);
        }
        weights = weights.mul(valid).stopGradient();

        // §7 objective and aggregation (gradient flows through r only)
        NDList objective = DjlMath.objective(config, logProbs, oldLp, advantages);
        NDArray perToken = accept.mul(weights).mul(objective.get(0));
        NDArray loss = DjlMath.aggregate(config, perToken, accept, scope.acceptedTokens(), scope.sequences(),
                tokens.get(1));
        if (options.validateInputs) {
            DjlEdges.requireFinite(loss, "the policy loss", "advantages (|A| · rho · r overflows; jackpot_clip_ratio = "
                    + config.weightClip() + ", loss_scale_factor = " + config.lossScaleFactor() + ")");
        }

        // §10 metrics: one stacked read of scalars
        Map<String, Double> metrics = !options.metrics ? Collections.emptyMap()
                : metrics(config, lambda, kappa, valid, accept, acceptance, zApprox, weights,
                obrsClipped, DjlMath.residualClipped(f, residualRatio).mul(valid), unionSize, rolloutMass, targetMass,
                DjlMath.clampedLogRatio(targetLp, r.logProbs), objective, DjlMath.clampedLogRatio(oldLp, logProbs.stopGradient()),
                local);

        NDArray[] out = {loss, weights, accept, zApprox, z, perToken};
        for (NDArray a : out) {
            a.attach(caller);
        }
        return new JackpotLossOutput(loss, weights, accept, zApprox, z, perToken, metrics, kappa, local);
    }

    private static Map<String, Double> metrics(JackpotConfig config, double lambda, double kappa, NDArray valid,
                                               NDArray accept, NDArray acceptance, NDArray zApprox, NDArray weights,
                                               NDArray obrsClipped, NDArray residualClipped, NDArray unionSize,
                                               NDArray rolloutMass, NDArray targetMass, NDArray targetOverRollout,
                                               NDList objective, NDArray oldOverNew, BatchStatistics local) {
        // the weight metrics describe the weights that act: over accepted tokens, like the ESS (§10)
        NDArray rejected = accept.eq(0f);
        NDArray maxWeight = DjlEdges.max(NDArrays.where(rejected, weights.zerosLike().sub(Float.MAX_VALUE), weights));
        NDArray minWeight = DjlEdges.min(NDArrays.where(rejected, weights.zerosLike().add(Float.MAX_VALUE), weights));
        NDArray accepted = accept.mul(weights);
        // the device sums in MetricSums.Sum order (VALID and ACCEPTED come from the statistics)
        NDList sums = new NDList(
                acceptance.mul(valid).sum(), zApprox.sum(), unionSize.mul(valid).sum(), rolloutMass.mul(valid).sum(),
                targetMass.mul(valid).sum(), targetOverRollout.neg().mul(valid).sum(),
                DjlMath.k3(targetOverRollout).mul(valid).sum(), obrsClipped.mul(valid).sum(), residualClipped.sum(),
                accepted.sum(), accepted.mul(weights).sum(), maxWeight, minWeight,
                objective.get(1).mul(valid).sum(), objective.get(2).mul(valid).sum(), oldOverNew.mul(valid).sum());
        float[] v = NDArrays.stack(sums).toFloatArray();
        double[] s = MetricSums.newSums();
        s[MetricSums.Sum.VALID.ordinal()] = local.validTokens();
        s[MetricSums.Sum.ACCEPTED.ordinal()] = local.acceptedTokens();
        for (int i = 0; i < v.length; i++) {
            s[MetricSums.Sum.ACCEPTANCE.ordinal() + i] = v[i];
        }
        return MetricSums.assembleMap(s, kappa, lambda); // the one §10 formula set, shared with the core
    }

    /**
     * The rollout model's (actor's) PPO loss of MATH.md §8, eq. 6: §7 with the actor's log-probs ℓ_ω
     * (gathered from {@code actorLogits}, carrying gradient), its anchor ℓ_ω,old
     * ({@link RolloutBatch.Builder#actorOldLogProbs}, default the rollout log-probs) and the residual
     * correction F(p_ω,old / p_inf); no rejection.
     */
    public static JackpotLossOutput actorLoss(JackpotConfig config, NDArray actorLogits, RolloutBatch rollout) {
        DjlChecks.actor(config.topK(), actorLogits, rollout); // named as the actor's, before the policy path runs
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
            List<NDArray> rest = new ArrayList<>(rollout.arrays());
            rest.add(policyLogits);
            tempAttach(sub, actorLogits, rest);
            DjlChecks.distillation(policyLogits, actorLogits, rollout);
            Shape tokens = new Shape(shape.get(0), shape.get(1));
            NDArray valid = responseMask(rollout, sub, tokens);
            NDArray policy = policyLogits.toType(DataType.FLOAT32, false).logSoftmax(-1).stopGradient();
            NDArray actor = DjlMath.toFloat32(actorLogits).logSoftmax(-1);
            NDArray kl = divergence == Divergence.FORWARD ? DjlEdges.kl(policy, "policy_logits", actor, "actor_logits", valid)
                    : DjlEdges.kl(actor, "actor_logits", policy, "policy_logits", valid);
            NDArray perToken = kl.mul(valid);
            float[] counts = NDArrays.stack(new NDList(valid.sum(),
                    valid.sum(new int[] {-1}).gt(0f).toType(DataType.FLOAT32, false).sum())).toFloatArray();
            NDArray loss = DjlMath.aggregate(config, perToken, valid, counts[0], counts[1], shape.get(1));
            DjlEdges.requireFinite(loss, "the distillation loss", "policy_logits and actor_logits (log-probs so far"
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
