package io.github.jackpot4j.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import ai.djl.util.Pair;
import io.github.jackpot4j.core.BatchStatistics;
import io.github.jackpot4j.core.JackpotConfig;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The adapter inside DJL's own training loop (MATH.md §3, §5, §7): {@link JackpotDjlLoss} under
 * {@code EasyTrain.trainBatch} with fresh draws every step and one computation per batch, gradient
 * accumulation over micro-batches equal to the one-batch gradient, and no array left behind.
 */
class TrainingLoopTest {
    private static final int B = 4;
    private static final int T = 8;
    private static final int V = 10;
    private static final int F = 6;
    private static final int K = 3;

    private final DjlFixture fixture = new DjlFixture(91L, B, T, V, K, 1.0);
    private final JackpotConfig config = JackpotConfig.builder().topK(K).lambda(2.0).build();

    private static float[] inputs() {
        float[] x = new float[B * T * F];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(0.7 * i + 0.1);
        }
        return x;
    }

    private Trainer trainer(Model model, JackpotDjlLoss loss) {
        model.setBlock(Linear.builder().setUnits(V).build());
        Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss)
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.5f)).build())
                .addTrainingListeners(TrainingListener.Defaults.basic()));
        Engine.getInstance().setRandomSeed(7); // the linear policy's initial weights: the same in every run
        trainer.initialize(new Shape(B, T, F));
        return trainer;
    }

    @Test
    void threeStepsThroughEasyTrainComputeOnceEachWithFreshDraws() {
        JackpotDjlLoss loss = new JackpotDjlLoss(config);
        try (Model model = Model.newInstance("jackpot-policy"); Trainer trainer = trainer(model, loss)) {
            NDManager m = trainer.getManager();
            for (int step = 0; step < 3; step++) {
                NDArray x = m.create(inputs(), new Shape(B, T, F));
                // what the direct call gives on the policy before this step's update
                float direct;
                float[] directMask;
                float[] previousStepsDraws;
                try (NDManager s = m.newSubManager()) {
                    NDArray logits = trainer.evaluate(new NDList(x)).singletonOrThrow();
                    JackpotLossOutput out = JackpotDjl.policyLoss(config, logits, fixture.rollout(s).step(step).build());
                    direct = out.loss().getFloat();
                    directMask = out.acceptMask().toFloatArray();
                    previousStepsDraws = JackpotDjl.policyLoss(config, logits,
                            fixture.rollout(s).step(step + 100).build()).acceptMask().toFloatArray();
                }
                NDManager batchManager = m.newSubManager();
                Batch batch = new Batch(batchManager, new NDList(x), JackpotDjlLoss.labels(fixture.rollout(batchManager).build()),
                        B, Batchifier.STACK, Batchifier.STACK, step, 3);
                loss.step(step);
                EasyTrain.trainBatch(trainer, batch);
                trainer.step();
                // one computation per batch, although DJL's evaluator listener asked for the loss again
                assertEquals(step + 1, loss.computations());
                assertEquals(direct, loss.lastOutput().loss().getFloat(), 1e-6f * Math.max(1f, Math.abs(direct)));
                assertEquals(direct, loss.getAccumulator(ai.djl.training.listener.EvaluatorTrainingListener.TRAIN_ALL), 1e-6f * Math.max(1f, Math.abs(direct)));
                assertArrayEquals(directMask, loss.lastOutput().acceptMask().toFloatArray());
                // another step's draws reject other tokens on the very same logits
                assertFalse(java.util.Arrays.equals(directMask, previousStepsDraws), "step " + step);
                batch.close();
            }
        }
    }

    @Test
    void aStepIsRequiredInsideTheTrainerToo() {
        JackpotDjlLoss loss = new JackpotDjlLoss(config);
        try (Model model = Model.newInstance("jackpot-policy"); Trainer trainer = trainer(model, loss)) {
            NDManager m = trainer.getManager();
            NDManager batchManager = m.newSubManager();
            Batch batch = new Batch(batchManager, new NDList(m.create(inputs(), new Shape(B, T, F))),
                    JackpotDjlLoss.labels(fixture.rollout(batchManager).build()), B, Batchifier.STACK, Batchifier.STACK, 0, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EasyTrain.trainBatch(trainer, batch));
            assertTrue(e.getMessage().contains("JackpotDjlLoss.step"), e.getMessage());
            batch.close();
        }
    }

    private static List<float[]> gradients(Model model) {
        List<float[]> g = new ArrayList<>();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            g.add(p.getValue().getArray().getGradient().toFloatArray());
        }
        return g;
    }

    private static void zeroGradients(Model model) {
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            NDArray g = p.getValue().getArray().getGradient();
            g.subi(g.duplicate());
        }
    }

    @Test
    void microBatchGradientsAccumulateToTheOneBatchGradient() {
        JackpotDjlLoss loss = new JackpotDjlLoss(config);
        try (Model model = Model.newInstance("jackpot-policy"); Trainer trainer = trainer(model, loss)) {
            NDManager m = trainer.getManager();
            NDArray x = m.create(inputs(), new Shape(B, T, F));
            List<float[]> whole;
            float wholeLoss;
            try (NDManager s = m.newSubManager(); GradientCollector gc = trainer.newGradientCollector()) {
                NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                NDArray l = loss.step(7).evaluate(JackpotDjlLoss.labels(fixture.rollout(s).build()), new NDList(logits));
                wholeLoss = l.getFloat();
                gc.backward(l);
                whole = gradients(model);
            }
            zeroGradients(model); // gradients accumulate across collectors until the optimizer step
            // two micro-batches of rows [0,1) and [1,4): statistics first (no gradient), merged, then
            // several backward passes into one set of gradients and one optimizer step
            try (NDManager s = m.newSubManager()) {
                RolloutBatch all = fixture.rollout(s).build();
                int[][] ranges = {{0, 1}, {1, 4}};
                BatchStatistics global = BatchStatistics.EMPTY;
                for (int[] r : ranges) {
                    NDArray logits = trainer.evaluate(new NDList(x.get(r[0] + ":" + r[1]))).singletonOrThrow();
                    global = global.merge(JackpotDjl.statistics(config, logits, rows(all, 7, r[0], r[1])));
                }
                float sum = 0;
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    for (int[] r : ranges) {
                        NDArray logits = trainer.forward(new NDList(x.get(r[0] + ":" + r[1]))).singletonOrThrow();
                        NDArray l = loss.microBatch(r[0], global)
                                .evaluate(JackpotDjlLoss.labels(rows(all, 7, r[0], r[1])), new NDList(logits));
                        sum += l.getFloat();
                        gc.backward(l);
                    }
                    List<float[]> accumulated = gradients(model);
                    for (int i = 0; i < whole.size(); i++) {
                        assertArrayEquals(whole.get(i), accumulated.get(i), 1e-6f, "parameter " + i);
                    }
                }
                assertEquals(wholeLoss, sum, 1e-6f);
                // forgetting the offset: the merged statistics do not cover the rows the loss claims
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loss.microBatch(0,
                        JackpotDjl.statistics(config, trainer.evaluate(new NDList(x.get("0:1"))).singletonOrThrow(),
                                rows(all, 7, 0, 1)))
                        .evaluate(JackpotDjlLoss.labels(rows(all, 7, 1, 4)),
                                new NDList(trainer.evaluate(new NDList(x.get("1:4"))).singletonOrThrow())));
                assertTrue(e.getMessage().contains("statistics cover [0, 1)"), e.getMessage());
            }
        }
    }

    /** Rows [from, to) of a rollout as a micro-batch of step {@code step} at its global offset. */
    static RolloutBatch rows(RolloutBatch whole, long step, int from, int to) {
        String r = from + ":" + to;
        return RolloutBatch.builder().step(step).sequenceOffset(from)
                .tokenIds(whole.tokenIds.get(r)).oldLogProbs(whole.oldLogProbs.get(r)).advantages(whole.advantages.get(r))
                .responseMask(whole.responseMask.get(r))
                .cachedRollout(whole.rolloutLogProbs.get(r), whole.rolloutTopkIds.get(r), whole.rolloutTopkLogProbs.get(r))
                .build();
    }

    @Test
    void consecutiveStepsDrawFreshUniformsOnTheDevice() {
        // 512 tokens with a = 0.5 (uniform policy over 4 ids, rollout log-prob ln ¼, λ = 2): independent masks
        // agree on Binomial(512, ½) tokens, within [200, 312] (±5 sd); draws without the step agree on all 512.
        int b = 16;
        int t = 32;
        JackpotConfig half = JackpotConfig.builder().topK(1).lambda(2.0).build();
        try (NDManager m = NDManager.newBaseManager()) {
            float[][] masks = new float[2][];
            for (int s = 0; s < 2; s++) {
                float[] lp = new float[b * t];
                java.util.Arrays.fill(lp, (float) Math.log(0.25));
                RolloutBatch rollout = RolloutBatch.builder().step(41 + s)
                        .tokenIds(m.zeros(new Shape(b, t), ai.djl.ndarray.types.DataType.INT64))
                        .oldLogProbs(m.create(lp, new Shape(b, t))).advantages(m.zeros(new Shape(b, t)))
                        .cachedRollout(m.create(lp, new Shape(b, t)),
                                m.zeros(new Shape(b, t, 1), ai.djl.ndarray.types.DataType.INT64),
                                m.create(lp, new Shape(b, t, 1)))
                        .build();
                masks[s] = JackpotDjl.policyLoss(half, m.zeros(new Shape(b, t, 4)), rollout).acceptMask().toFloatArray();
            }
            int agree = 0;
            for (int i = 0; i < b * t; i++) {
                agree += masks[0][i] == masks[1][i] ? 1 : 0;
            }
            assertTrue(agree >= 200 && agree <= 312, "steps 41 and 42 agree on " + agree + " of 512 tokens");
        }
    }

    @Test
    void theCallersManagerHoldsTheSameArraysAfterAThousandCallsOfEveryEntryPointFailingOrNot() {
        DjlFixture f = new DjlFixture(11L, 2, 4, 12, 3, 1.0);
        JackpotConfig c = JackpotConfig.builder().topK(3).build();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = f.policyLogits(m);
            NDArray actorLogits = m.create(f.rolloutLogits, new Shape(2, 4, 12));
            float[] nan = f.rolloutLogits.clone();
            nan[5] = Float.NaN;
            NDArray badActor = m.create(nan, new Shape(2, 4, 12));
            NDArray badLogits = m.create(new float[2 * 4 * 11], new Shape(2, 4, 11)); // V = 11 < some rollout id
            RolloutBatch rollout = f.rollout(m).step(3).build();
            NDList labels = JackpotDjlLoss.labels(rollout);
            JackpotDjlLoss loss = new JackpotDjlLoss(c).step(3);
            loss.evaluate(labels, new NDList(logits)).close(); // lastOutput's arrays now exist once
            int baseline = m.getManagedArrays().size();
            for (int i = 0; i < 200; i++) { // 6 entry points: 1,200 calls, plus 25 failing ones
                JackpotDjl.policyLoss(c, logits, rollout).close();
                JackpotDjl.actorLoss(c, actorLogits, rollout).close();
                JackpotDjl.distillationLoss(c, logits, actorLogits, rollout, JackpotDjl.Divergence.REVERSE).close();
                JackpotDjl.jointLoss(c, logits, actorLogits, rollout, 0.5).close();
                JackpotDjl.statistics(c, logits, rollout);
                loss.evaluate(labels, new NDList(logits)).close();
                if (i % 40 == 0) {
                    assertThrows(IllegalArgumentException.class, () -> JackpotDjl.policyLoss(c, badLogits, rollout));
                    assertThrows(IllegalArgumentException.class, () -> JackpotDjl.actorLoss(c, badActor, rollout));
                    assertThrows(IllegalArgumentException.class,
                            () -> JackpotDjl.distillationLoss(c, logits, badActor, rollout, JackpotDjl.Divergence.FORWARD));
                    // the policy stage succeeds, the actor stage throws: nothing of the policy's may stay
                    assertThrows(IllegalArgumentException.class, () -> JackpotDjl.jointLoss(c, logits, badActor, rollout, 0.5));
                    assertThrows(IllegalArgumentException.class, () -> loss.evaluate(labels, new NDList(badLogits)));
                }
            }
            assertEquals(baseline, m.getManagedArrays().size());
        }
    }
}
