package io.github.jackpot4j.examples.demo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.GroupAdvantages;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.djl.JackpotDjl;
import io.github.jackpot4j.djl.JackpotLossOutput;
import io.github.jackpot4j.djl.RolloutBatch;

/**
 * The wiring between the demo's models and the library, in one place: a batch of generated
 * responses becomes a {@link RolloutBatch} (the generating model's sampled-token log-probs and top-k
 * as an inference engine would cache them, GRPO advantages, the policy's pre-update log-probs as
 * the anchor), and one update is {@link JackpotDjl#policyLoss} or {@link JackpotDjl#jointLoss}.
 */
final class DemoStep {
    /** A generated batch and what the update needs from it, on the host. */
    static final class Batch {
        int[][] prompts;
        int[][] responses;
        double[] rewards;
        float[] advantages;
        float[] rolloutLogProbs;   // [B,T] generating model at generation time
        long[] rolloutTopIds;      // [B,T,k]
        float[] rolloutTopLogProbs;
        float[] oldLogProbs;       // [B,T] policy before this update
        float[] actorOldLogProbs;  // [B,T] the actor network's own log-probs (temperature 1) when it sampled at
                                   // another temperature: the anchor of its PPO loss; null = the rollout log-probs

        int size() {
            return prompts.length;
        }
    }

    /** What one update reports. */
    static final class Stats {
        double policyLoss;
        double actorLoss;
        double distillLoss;
        double acceptance = 1;
        double kappa = 1;
        double weightMean = 1;
        double weightMax = 1;
        double clipFraction;
        double obrsClipFraction;
        double residualClipFraction;
    }

    private DemoStep() {
    }

    /**
     * Rewards, group advantages (groups of {@code group} samples per prompt) and the generating model's view of
     * responses it sampled at {@code temperature}: the cached rollout log-probs and top-k are those of
     * softmax(logits / temperature), what the engine sampled from; the generator's own (temperature 1)
     * log-probs become the anchor of its PPO loss in the joint objective.
     */
    static Batch batch(int[][] prompts, int[][] responses, int group, TinyLm generator, TinyLm policy, int k,
                       double temperature) {
        boolean tempered = temperature != 1.0;
        if (tempered && generator == policy) {
            throw new IllegalArgumentException("a tempered batch needs a separate generator (the policy's anchor)");
        }
        Batch b = new Batch();
        int n = prompts.length;
        int t = ReverseTask.LENGTH;
        b.prompts = prompts;
        b.responses = responses;
        b.rewards = new double[n];
        long[] groups = new long[n];
        for (int s = 0; s < n; s++) {
            b.rewards[s] = ReverseTask.reward(prompts[s], responses[s]);
            groups[s] = s / group;
        }
        b.advantages = GroupAdvantages.perToken(GroupAdvantages.perSequence(b.rewards, groups, true), t, null);
        try (NDManager m = generator.manager().newSubManager()) {
            NDArray ids = tokenIds(m, responses);
            NDArray raw = generator.logits(m, prompts, responses, false);
            // no gradient here; the divisor is engine-owned all the same (TinyLm's memory rule)
            NDArray gen = (tempered ? raw.div(TinyLm.constant(m, temperature)) : raw).logSoftmax(-1);
            b.rolloutLogProbs = gen.gather(ids.expandDims(-1), -1).squeeze(-1).toFloatArray();
            var top = gen.topK(k, -1);
            b.rolloutTopLogProbs = top.get(0).toFloatArray();
            b.rolloutTopIds = top.get(1).toType(DataType.INT64, false).toLongArray();
            if (tempered) {
                b.actorOldLogProbs = raw.logSoftmax(-1).gather(ids.expandDims(-1), -1).squeeze(-1).toFloatArray();
            }
        }
        b.oldLogProbs = policy == generator ? b.rolloutLogProbs.clone() : logProbs(policy, prompts, responses);
        return b;
    }

    static float[] logProbs(TinyLm model, int[][] prompts, int[][] responses) {
        try (NDManager m = model.manager().newSubManager()) {
            NDArray lp = model.logits(m, prompts, responses, false).logSoftmax(-1);
            return lp.gather(tokenIds(m, responses).expandDims(-1), -1).squeeze(-1).toFloatArray();
        }
    }

    static NDArray tokenIds(NDManager m, int[][] responses) {
        int n = responses.length;
        long[] ids = new long[n * ReverseTask.LENGTH];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < ReverseTask.LENGTH; i++) {
                ids[s * ReverseTask.LENGTH + i] = responses[s][i];
            }
        }
        // engine-owned: gather saves its index for backward (TinyLm's memory rule)
        return TinyLm.upload(m, ids, new Shape(n, ReverseTask.LENGTH));
    }

    static RolloutBatch rollout(NDManager m, Batch b, int k, long step) {
        Shape tok = new Shape(b.size(), ReverseTask.LENGTH);
        Shape lists = new Shape(b.size(), ReverseTask.LENGTH, k);
        // copies in engine-owned memory: the loss keeps views of these and autograd may save them
        RolloutBatch.Builder builder = RolloutBatch.builder();
        if (b.actorOldLogProbs != null) {
            builder.actorOldLogProbs(TinyLm.upload(m, b.actorOldLogProbs, tok));
        }
        return builder
                .tokenIds(tokenIds(m, b.responses))
                .oldLogProbs(TinyLm.upload(m, b.oldLogProbs, tok))
                .advantages(TinyLm.upload(m, b.advantages, tok))
                .cachedRollout(TinyLm.upload(m, b.rolloutLogProbs, tok), TinyLm.upload(m, b.rolloutTopIds, lists),
                        TinyLm.upload(m, b.rolloutTopLogProbs, lists))
                .step(step) // the rejection draws are keyed by the step (MATH.md §3)
                .build();
    }

    /** One gradient step of the policy (and of the actor when {@code actor} is non-null: the joint objective). */
    static Stats update(JackpotConfig config, TinyLm policy, TinyLm actor, double lambdaDistill, Batch b, int k,
                        long step) {
        Stats s = new Stats();
        try (NDManager m = policy.manager().newSubManager()) {
            RolloutBatch rollout = rollout(m, b, k, step);
            try (var gc = policy.newGradientCollector()) {
                NDArray policyLogits = policy.logits(m, b.prompts, b.responses, true);
                JackpotLossOutput out;
                NDArray loss;
                if (actor != null) {
                    NDArray actorLogits = actor.logits(m, b.prompts, b.responses, true);
                    var joint = JackpotDjl.jointLoss(config, policyLogits, actorLogits, rollout, lambdaDistill);
                    out = joint.policy();
                    loss = joint.loss();
                    s.actorLoss = joint.actor().loss().getFloat();
                    s.distillLoss = joint.distillation().getFloat();
                } else {
                    out = JackpotDjl.policyLoss(config, policyLogits, rollout);
                    loss = out.loss();
                }
                TinyLm.pressure();
                gc.backward(loss);
                s.policyLoss = out.loss().getFloat();
                s.acceptance = out.metrics().get("jackpot/acceptance_rate");
                s.kappa = out.kappa();
                s.weightMean = out.metrics().get("jackpot/weight_mean");
                s.weightMax = out.metrics().get("jackpot/weight_max");
                s.clipFraction = out.metrics().get("actor/pg_clipfrac");
                s.obrsClipFraction = out.metrics().get("jackpot/obrs_clip_frac");
                s.residualClipFraction = out.metrics().get("jackpot/residual_clip_frac");
            }
        }
        policy.step();
        if (actor != null) {
            actor.step();
        }
        return s;
    }

    /**
     * Mean over the batch's tokens of KL(a ‖ b) between two models' next-token distributions, each at its
     * sampling temperature.
     */
    static double kl(TinyLm a, double temperatureA, TinyLm bModel, double temperatureB, Batch batch) {
        try (NDManager m = a.manager().newSubManager()) {
            NDArray la = tempered(m, a.logits(m, batch.prompts, batch.responses, false), temperatureA).logSoftmax(-1);
            NDArray lb = tempered(m, bModel.logits(m, batch.prompts, batch.responses, false), temperatureB)
                    .logSoftmax(-1);
            return la.exp().mul(la.sub(lb)).sum(new int[] {-1}).mean().getFloat();
        }
    }

    private static NDArray tempered(NDManager m, NDArray logits, double temperature) {
        return temperature == 1.0 ? logits : logits.div(TinyLm.constant(m, temperature));
    }
}
