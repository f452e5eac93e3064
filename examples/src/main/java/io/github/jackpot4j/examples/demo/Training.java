package io.github.jackpot4j.examples.demo;

import io.github.jackpot4j.core.DistillationController;
import io.github.jackpot4j.core.JackpotConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * One run of one method: warm-up, then rollout batches and updates, one {@link StepRecord} per step.
 * Both scenarios are the same loop: a rollout batch serves {@code reuse} small steps (stale: the
 * policy's own rollouts, {@code --staleness} steps; mismatch: one step of {@code --epochs} updates).
 */
final class Training {
    /** Top-k size of the cached rollout distributions. */
    static final int TOP_K = 5;
    /** The distillation controller's KL(actor ‖ policy) target and weight bounds (MATH.md §8, DistillationController). */
    static final double CONTROLLER_TARGET_KL = 0.05;
    static final double CONTROLLER_MIN = 0.01;
    static final double CONTROLLER_MAX = 10.0;
    static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    private Training() {
    }

    /**
     * One intra-op thread unless the user chose otherwise: the models are tiny, and a fixed thread count
     * keeps PyTorch's reductions in one order, which "same seed, same CSV" needs (read at engine start).
     */
    static void oneThreadUnlessSet() {
        if (System.getProperty(THREADS_PROPERTY) == null) {
            System.setProperty(THREADS_PROPERTY, "1");
        }
    }

    /**
     * One run of {@code steps} steps (stale: rollout batches). One run per JVM at a time: the engine's random
     * state, which seeds the models, is global (the sweep runs in parallel in worker JVMs).
     */
    static List<StepRecord> run(TrainingOptions o, int steps, String method, long seed) {
        TinyLm.seed(seed);
        SplittableRandom rng = new SplittableRandom(seed * 1_000_003L);
        int batchSize = o.prompts * o.group;
        boolean stale = o.stale();
        int reuse = stale ? o.staleness : 1;
        int epochs = stale ? 1 : o.epochs;
        int totalSteps = steps * reuse;
        List<StepRecord> records = new ArrayList<>();
        JackpotConfig config = Presets.config(method, TOP_K, seed, o.jackpotLambda);
        // the controller exists only when asked for: a fixed λ_distill may be 0 (no distillation), below its bounds
        DistillationController controller = o.controller
                ? new DistillationController(CONTROLLER_TARGET_KL, o.lambdaDistill, CONTROLLER_MIN, CONTROLLER_MAX, 0.3, 0.5)
                : null;
        DistillationController.State control = controller != null ? controller.initial() : null;
        try (TinyLm policy = new TinyLm("policy", o.policyHidden, 2, o.lr);
             TinyLm actor = new TinyLm("actor", o.actorHidden, 1, o.lr)) {
            // warm-up: both models learn a little of the task, the actor more than the policy, so the
            // actor's rollouts are useful but distributed differently (the paper's cheap rollout model)
            for (int i = 0; i < o.warmupActor; i++) {
                actor.supervisedStep(ReverseTask.prompts(batchSize, rng));
            }
            for (int i = 0; i < o.warmupPolicy; i++) {
                policy.supervisedStep(ReverseTask.prompts(batchSize, rng));
            }
            // stale and on-policy: the policy writes its own rollouts; otherwise the actor does, at its temperature
            TinyLm generator = stale || method.equals("on-policy") ? policy : actor;
            double temperature = generator == actor ? o.actorTemperature : 1.0;
            // jackpot trains the actor with the joint objective (MATH.md §8); with --joint-baselines the other
            // actor-rollout methods do too, so only the policy's correction differs between them
            boolean joint = !stale && !o.frozenActor
                    && (method.equals("jackpot") || (o.jointBaselines && !method.equals("on-policy")));
            ProgressBar bar = o.noProgress ? null : new ProgressBarBuilder()
                    .setTaskName(o.scenario + " " + method + " s" + seed).setInitialMax(totalSteps)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate().build();
            try {
                int step = 0;
                while (step < totalSteps) {
                    int[][] prompts = ReverseTask.prompts(batchSize * reuse, rng);
                    int[][] responses = generator.generate(prompts, rng, temperature);
                    DemoStep.Batch rollouts = DemoStep.batch(prompts, responses, o.group, generator, policy, TOP_K,
                            temperature);
                    for (int s = 0; s < reuse && step < totalSteps; s++, step++) {
                        DemoStep.Batch b = reuse == 1 ? rollouts : slice(rollouts, s * batchSize, batchSize);
                        // the actor's side of the KL is its sampling distribution (tempered when T != 1)
                        double klPa = stale ? Double.NaN : DemoStep.kl(policy, 1.0, actor, o.actorTemperature, b);
                        double klAp = stale ? Double.NaN : DemoStep.kl(actor, o.actorTemperature, policy, 1.0, b);
                        double lambda = control != null ? control.weight() : o.lambdaDistill;
                        DemoStep.Stats st = null;
                        for (int e = 0; e < epochs; e++) { // the same rollouts and anchor, several updates (PPO epochs)
                            st = DemoStep.update(config, policy, joint ? actor : null, lambda, b, TOP_K, step);
                        }
                        if (joint && controller != null) {
                            control = controller.update(control, klAp);
                        }
                        records.add(record(step, evaluate(policy, batchSize, rng), b, st, klPa, klAp, joint ? lambda : 0));
                        TinyLm.pressure();
                        if (bar != null) {
                            bar.step();
                        }
                    }
                }
            } finally {
                if (bar != null) {
                    bar.close();
                }
            }
        }
        return records;
    }

    /** The policy's own mean reward on fresh prompts: what the training is for, whoever wrote the rollouts. */
    static double evaluate(TinyLm policy, int batchSize, SplittableRandom rng) {
        int[][] prompts = ReverseTask.prompts(batchSize, rng);
        int[][] responses = policy.generate(prompts, rng);
        double sum = 0;
        for (int s = 0; s < batchSize; s++) {
            sum += ReverseTask.reward(prompts[s], responses[s]);
        }
        return sum / batchSize;
    }

    private static StepRecord record(int step, double policyReward, DemoStep.Batch b, DemoStep.Stats s, double klPa,
                                     double klAp, double lambda) {
        double reward = 0;
        for (double r : b.rewards) {
            reward += r;
        }
        return new StepRecord(step, policyReward, reward / b.rewards.length, klPa, klAp, s.acceptance, s.kappa,
                s.weightMean, s.weightMax, s.clipFraction, s.policyLoss, s.actorLoss, s.distillLoss, lambda,
                s.obrsClipFraction, s.residualClipFraction);
    }

    static DemoStep.Batch slice(DemoStep.Batch big, int from, int size) {
        DemoStep.Batch b = new DemoStep.Batch();
        int t = ReverseTask.LENGTH;
        int k = big.rolloutTopIds.length / big.rolloutLogProbs.length;
        b.prompts = Arrays.copyOfRange(big.prompts, from, from + size);
        b.responses = Arrays.copyOfRange(big.responses, from, from + size);
        b.rewards = Arrays.copyOfRange(big.rewards, from, from + size);
        b.advantages = Arrays.copyOfRange(big.advantages, from * t, (from + size) * t);
        b.rolloutLogProbs = Arrays.copyOfRange(big.rolloutLogProbs, from * t, (from + size) * t);
        b.oldLogProbs = Arrays.copyOfRange(big.oldLogProbs, from * t, (from + size) * t);
        b.rolloutTopIds = Arrays.copyOfRange(big.rolloutTopIds, from * t * k, (from + size) * t * k);
        b.rolloutTopLogProbs = Arrays.copyOfRange(big.rolloutTopLogProbs, from * t * k, (from + size) * t * k);
        return b;
    }
}
