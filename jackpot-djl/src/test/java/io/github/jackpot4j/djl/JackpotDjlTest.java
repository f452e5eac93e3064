package io.github.jackpot4j.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.jackpot4j.core.AcceptanceEstimate;
import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.RolloutIs;
import io.github.jackpot4j.core.JackpotMetric;
import io.github.jackpot4j.core.JackpotResult;
import io.github.jackpot4j.core.LossAggMode;
import io.github.jackpot4j.core.MissingRolloutProb;
import io.github.jackpot4j.core.ResidualCorrection;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The adapter on the real PyTorch engine (CPU), against the core on identical inputs. */
class JackpotDjlTest {
    static NDManager manager;
    /** The two ways the adapter computes on the CPU: the core's kernel for §3-§6 (the default), the engine's ops. */
    static final JackpotDjl.Options[] PATHS = {JackpotDjl.Options.defaults(), JackpotDjl.Options.defaults().hostKernel(false)};

    static String path(JackpotDjl.Options options) {
        return options.hostKernel() ? "core kernel on the host" : "engine ops";
    }

    @BeforeAll
    static void engine() {
        assertEquals("PyTorch", Engine.getInstance().getEngineName());
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** float32 on the device vs double in the core: 1e-5 relative, with a floor for values near 0. */
    static void close(double expected, double actual, String what) {
        double tol = 1e-5 * Math.max(1.0, Math.abs(expected));
        assertTrue(Math.abs(expected - actual) <= tol, what + ": core " + expected + " vs djl " + actual);
    }

    static JackpotConfig randomConfig(SplittableRandom rng, int k) {
        LossAggMode[] modes = LossAggMode.values();
        JackpotConfig.Builder c = JackpotConfig.builder().topK(k)
                .lambda(new double[] {0.5, 1.0, 2.0}[rng.nextInt(3)])
                .lossAggMode(modes[rng.nextInt(modes.length)])
                .acceptanceEstimate(rng.nextBoolean() ? AcceptanceEstimate.SAMPLED : AcceptanceEstimate.EXPECTED)
                .missingRolloutProb(rng.nextBoolean() ? MissingRolloutProb.ZERO : MissingRolloutProb.BOUND)
                .useTopkRenorm(rng.nextInt(4) == 0)
                .biasCorrection(rng.nextInt(5) != 0)
                .maskOnly(rng.nextInt(6) == 0)
                .ppoClip(rng.nextInt(5) != 0)
                .seed(rng.nextLong());
        switch (rng.nextInt(4)) {
            case 0: c.rolloutIs(RolloutIs.NONE); break;
            case 1: c.rolloutIsThreshold(ResidualCorrection.icepop(0.5, 2.0)); break;
            case 2: c.useJackpot(false); break;
            default: break;
        }
        return c.build();
    }

    @TestFactory
    Stream<DynamicTest> adapterEqualsCoreOnGeneratedBatches() {
        List<DynamicTest> tests = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(20261125L);
        for (int i = 0; i < 24; i++) {
            long seed = rng.nextLong();
            int b = 1 + rng.nextInt(4);
            int t = 1 + rng.nextInt(12);
            int v = 8 + rng.nextInt(40);
            int k = 1 + rng.nextInt(Math.min(8, v));
            double mismatch = 0.2 + 2 * rng.nextDouble();
            JackpotConfig config = randomConfig(rng, k);
            long offset = rng.nextInt(100);
            String name = String.format("seed=%d B=%d T=%d V=%d k=%d mismatch=%.2f offset=%d %s", seed, b, t, v, k,
                    mismatch, offset, config.toMap());
            for (JackpotDjl.Options options : PATHS) {
                tests.add(dynamicTest(path(options) + ": " + name,
                        () -> compareWithCore(new DjlFixture(seed, b, t, v, k, mismatch), config, offset, options)));
            }
        }
        return tests.stream();
    }

    private static void compareWithCore(DjlFixture f, JackpotConfig config, long offset, JackpotDjl.Options options) {
        try (NDManager m = manager.newSubManager()) {
            f.readTargetFromEngine(m);
            JackpotResult core = Jackpot.compute(config, f.coreBatch(offset));
            NDArray logits = f.policyLogits(m);
            JackpotLossOutput out = JackpotDjl.policyLoss(config, logits, f.rollout(m).sequenceOffset(offset).build(),
                    null, options);
            close(core.loss(), out.loss().getFloat(), "loss");
            float[] mask = out.acceptMask().toFloatArray();
            float[] weights = out.weights().toFloatArray();
            float[] z = out.z().toFloatArray();
            float[] zApprox = out.zApprox().toFloatArray();
            for (int i = 0; i < mask.length; i++) {
                assertEquals(core.acceptMask()[i], mask[i], "mask at " + i);
                close(core.weights()[i], weights[i], "rho at " + i);
                close(core.z()[i], z[i], "Z at " + i);
                close(core.zApprox()[i], zApprox[i], "Zapprox at " + i);
            }
            for (Map.Entry<String, Double> e : core.metrics().entrySet()) {
                close(e.getValue(), out.metrics().get(e.getKey()), e.getKey());
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> autogradThroughLogProbsEqualsTheCoresAnalyticGradient() {
        List<DynamicTest> tests = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(77L);
        for (int i = 0; i < 12; i++) {
            long seed = rng.nextLong();
            JackpotConfig config = randomConfig(rng, 4);
            JackpotDjl.Options options = PATHS[i % 2];
            tests.add(dynamicTest(path(options) + ": seed=" + seed + " " + config.toMap(), () -> {
                DjlFixture f = new DjlFixture(seed, 3, 7, 16, 4, 1.0);
                try (NDManager m = manager.newSubManager()) {
                    f.readTargetFromEngine(m);
                    JackpotResult core = Jackpot.compute(config, f.coreBatch(0));
                    Shape tok = new Shape(f.b, f.t);
                    Shape lists = new Shape(f.b, f.t, f.k);
                    NDArray logProbs = m.create(f.logProbs, tok);
                    logProbs.setRequiresGradient(true);
                    TargetTopK target = new TargetTopK(m.create(f.targetTopIds, lists), m.create(f.targetTopLogProbs, lists),
                            m.create(f.targetAtRollout, lists), null);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        JackpotLossOutput out = JackpotDjl.policyLoss(config, logProbs, target, f.rollout(m).build(), null,
                                options);
                        gc.backward(out.loss());
                    }
                    float[] grad = logProbs.getGradient().toFloatArray();
                    for (int j = 0; j < grad.length; j++) {
                        close(core.gradLogProbs()[j], grad[j], "d loss / d log_probs at " + j);
                    }
                }
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> trustedLogitsPathGivesTheDefaultsLossWeightsAndGradient() {
        List<DynamicTest> tests = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(2026L);
        for (int i = 0; i < 6; i++) {
            long seed = rng.nextLong();
            JackpotConfig config = randomConfig(rng, 4);
            tests.add(dynamicTest("seed=" + seed + " " + config.toMap(), () -> {
                DjlFixture f = new DjlFixture(seed, 3, 7, 16, 4, 1.0);
                JackpotDjl.Options trusted = JackpotDjl.Options.defaults().validateInputs(false).metrics(false);
                try (NDManager m = manager.newSubManager()) {
                    RolloutBatch rollout = f.rollout(m).build();
                    float[][] byPath = new float[2][];
                    float[][] weightsByPath = new float[2][];
                    float[] losses = new float[2];
                    for (int path = 0; path < 2; path++) {
                        NDArray logits = f.policyLogits(m);
                        logits.setRequiresGradient(true);
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            JackpotLossOutput out = path == 0 ? JackpotDjl.policyLoss(config, logits, rollout)
                                    : JackpotDjl.policyLoss(config, logits, rollout, null, trusted);
                            gc.backward(out.loss());
                            losses[path] = out.loss().getFloat();
                            weightsByPath[path] = out.weights().toFloatArray();
                            assertEquals(path == 0, !out.metrics().isEmpty(), "metrics only by default");
                        }
                        byPath[path] = logits.getGradient().toFloatArray();
                    }
                    assertEquals(losses[0], losses[1], "loss");
                    assertTrue(java.util.Arrays.equals(weightsByPath[0], weightsByPath[1]), "weights");
                    assertTrue(java.util.Arrays.equals(byPath[0], byPath[1]), "gradient");
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void gradientThroughLogitsMatchesFiniteDifferences() {
        // Baseline without correction: ρ = 1 and Mask = 1 do not depend on the logits, so the loss is a
        // smooth function of them and central differences of the adapter itself check the autograd chain
        // logits → log-softmax → gather → ratio → clip → aggregation.
        JackpotConfig config = JackpotConfig.builder().useJackpot(false).rolloutIs(RolloutIs.NONE).topK(2)
                .lossAggMode(LossAggMode.SEQ_MEAN_TOKEN_MEAN).build();
        DjlFixture f = new DjlFixture(5L, 2, 3, 5, 2, 0.5);
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = f.policyLogits(m);
            logits.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(JackpotDjl.policyLoss(config, logits, f.rollout(m).build()).loss());
            }
            float[] grad = logits.getGradient().toFloatArray();
            double h = 1e-2;
            for (int i = 0; i < f.policyLogits.length; i++) {
                float saved = f.policyLogits[i];
                f.policyLogits[i] = (float) (saved + h);
                double plus = lossOf(config, f, m);
                f.policyLogits[i] = (float) (saved - h);
                double minus = lossOf(config, f, m);
                f.policyLogits[i] = saved;
                double fd = (plus - minus) / (2 * h);
                // float32 losses of magnitude ~1 and h = 1e-2: the difference quotient carries ~1e-5 noise
                // and O(h²) curvature error; 2e-3 absolute is far below the gradients' scale (~0.1)
                assertEquals(fd, grad[i], 2e-3, "d loss / d logit " + i);
            }
        }
    }

    private static double lossOf(JackpotConfig config, DjlFixture f, NDManager m) {
        try (NDManager s = m.newSubManager()) {
            return JackpotDjl.policyLoss(config, f.policyLogits(s), f.rollout(s).build()).loss().getFloat();
        }
    }

    @Test
    void everyReturnedArrayLivesOnTheInputDevice() {
        DjlFixture f = new DjlFixture(9L, 2, 4, 12, 3, 1.0);
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = f.policyLogits(m);
            JackpotLossOutput out = JackpotDjl.policyLoss(JackpotConfig.builder().topK(3).build(), logits,
                    f.rollout(m).build());
            for (NDArray a : new NDArray[] {out.loss(), out.weights(), out.acceptMask(), out.z(), out.zApprox(),
                    out.perTokenLoss()}) {
                assertEquals(logits.getDevice(), a.getDevice());
                assertEquals(m, a.getManager().getParentManager() == null ? a.getManager() : a.getManager());
            }
        }
    }

    @Test
    void managerHoldsOnlyWhatWasReturnedAfterAThousandCallsAndAfterFailures() {
        DjlFixture f = new DjlFixture(11L, 2, 4, 12, 3, 1.0);
        JackpotConfig config = JackpotConfig.builder().topK(3).build();
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = f.policyLogits(m);
            RolloutBatch rollout = f.rollout(m).build();
            NDArray badLogits = m.create(new float[2 * 4 * 11], new Shape(2, 4, 11)); // V = 11 < some id
            int baseline = m.getManagedArrays().size();
            for (int i = 0; i < 1000; i++) {
                try (JackpotLossOutput out = JackpotDjl.policyLoss(config, logits, rollout)) {
                    assertTrue(Float.isFinite(out.loss().getFloat()));
                }
                if (i % 100 == 0) {
                    assertThrows(IllegalArgumentException.class, () -> JackpotDjl.policyLoss(config, badLogits, rollout));
                }
            }
            assertEquals(baseline, m.getManagedArrays().size());
        }
    }

    @Test
    void badInputIsRejectedBeforeAnyMath() {
        DjlFixture f = new DjlFixture(13L, 2, 3, 10, 2, 1.0);
        JackpotConfig config = JackpotConfig.builder().topK(2).build();
        try (NDManager m = manager.newSubManager()) {
            // ids outside the vocabulary: the policy's V = 4 is smaller than some rollout ids
            float[] small = new float[2 * 3 * 4];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> JackpotDjl.policyLoss(config, m.create(small, new Shape(2, 3, 4)), f.rollout(m).build()));
            assertTrue(e.getMessage().contains("is outside the vocabulary [0, 4)"), e.getMessage());
            // NaN logits name the index
            float[] nan = f.policyLogits.clone();
            nan[(1 * 3 + 2) * 10 + 7] = Float.NaN;
            e = assertThrows(IllegalArgumentException.class,
                    () -> JackpotDjl.policyLoss(config, m.create(nan, new Shape(2, 3, 10)), f.rollout(m).build()));
            assertEquals("policy_logits[1,2,7] is NaN", e.getMessage());
            // shapes
            e = assertThrows(IllegalArgumentException.class, () -> JackpotDjl.policyLoss(config, f.policyLogits(m),
                    f.rollout(m).advantages(m.create(new float[5], new Shape(5))).build()));
            assertEquals("advantages has shape (5) but the batch needs (2, 3)", e.getMessage());
            // k must match the configuration
            e = assertThrows(IllegalArgumentException.class, () -> JackpotDjl.policyLoss(
                    JackpotConfig.builder().topK(3).build(), f.policyLogits(m), f.rollout(m).build()));
            assertTrue(e.getMessage().startsWith("rollout_topk_ids has shape (2, 3, 2) but the batch needs (2, 3, 3)"),
                    e.getMessage());
            // positive log-probs
            float[] old = f.oldLogProbs.clone();
            old[4] = 0.5f;
            e = assertThrows(IllegalArgumentException.class, () -> JackpotDjl.policyLoss(config, f.policyLogits(m),
                    f.rollout(m).oldLogProbs(m.create(old, new Shape(2, 3))).build()));
            assertTrue(e.getMessage().startsWith("old_log_probs[1,1] = 0.5"), e.getMessage());
        }
    }

    @Test
    void halfPrecisionLogitsAreUpcast() {
        DjlFixture f = new DjlFixture(17L, 2, 3, 10, 2, 1.0);
        JackpotConfig config = JackpotConfig.builder().topK(2).build();
        try (NDManager m = manager.newSubManager()) {
            NDArray half = f.policyLogits(m).toType(ai.djl.ndarray.types.DataType.FLOAT16, false);
            half.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                JackpotLossOutput out = JackpotDjl.policyLoss(config, half, f.rollout(m).build());
                assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, out.loss().getDataType());
                assertTrue(Float.isFinite(out.loss().getFloat()));
                gc.backward(out.loss());
            }
            // the gradient must reach the half-precision logits (a detaching cast would leave it zero)
            float[] grad = half.getGradient().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
            double norm = 0;
            for (float g : grad) {
                norm += Math.abs(g);
            }
            assertTrue(norm > 0, "no gradient reached the float16 logits");
        }
    }

    @Test
    void jointLossIsTheSumOfItsPartsAndDistillationVanishesWhenActorEqualsPolicy() {
        DjlFixture f = new DjlFixture(19L, 2, 4, 9, 3, 1.0);
        JackpotConfig config = JackpotConfig.builder().topK(3).build();
        try (NDManager m = manager.newSubManager()) {
            NDArray policy = f.policyLogits(m);
            NDArray actor = m.create(f.rolloutLogits, new Shape(2, 4, 9));
            RolloutBatch rollout = f.rollout(m).build();
            JointLossOutput joint = JackpotDjl.jointLoss(config, policy, actor, rollout, 0.7);
            double parts = joint.policy().loss().getFloat() + joint.actor().loss().getFloat()
                    + 0.7 * joint.distillation().getFloat();
            assertEquals(parts, joint.loss().getFloat(), 1e-5 * Math.max(1, Math.abs(parts)));
            assertTrue(joint.distillation().getFloat() > 0, "policy and actor differ");
            float same = JackpotDjl.distillationLoss(config, policy, policy, rollout, JackpotDjl.Divergence.FORWARD)
                    .getFloat();
            assertEquals(0.0, same, 1e-6);
        }
    }

    @Test
    void distillationGradientMatchesFiniteDifferences() {
        DjlFixture f = new DjlFixture(23L, 1, 3, 5, 2, 1.0);
        JackpotConfig config = JackpotConfig.builder().topK(2).build();
        for (JackpotDjl.Divergence d : JackpotDjl.Divergence.values()) {
            try (NDManager m = manager.newSubManager()) {
                NDArray policy = f.policyLogits(m);
                NDArray actor = m.create(f.rolloutLogits, new Shape(1, 3, 5));
                actor.setRequiresGradient(true);
                RolloutBatch rollout = f.rollout(m).build();
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(JackpotDjl.distillationLoss(config, policy, actor, rollout, d));
                }
                float[] grad = actor.getGradient().toFloatArray();
                double h = 1e-2;
                for (int i = 0; i < f.rolloutLogits.length; i++) {
                    float[] plus = f.rolloutLogits.clone();
                    float[] minus = f.rolloutLogits.clone();
                    plus[i] += (float) h;
                    minus[i] -= (float) h;
                    double fd = (distill(config, policy, plus, rollout, d, m) - distill(config, policy, minus, rollout, d, m))
                            / (2 * h);
                    assertEquals(fd, grad[i], 1e-3, d + " d distill / d actor logit " + i);
                }
            }
        }
    }

    private static double distill(JackpotConfig c, NDArray policy, float[] actor, RolloutBatch r,
                                  JackpotDjl.Divergence d, NDManager m) {
        try (NDManager s = m.newSubManager()) {
            return JackpotDjl.distillationLoss(c, policy, s.create(actor, new Shape(1, 3, 5)), r, d).getFloat();
        }
    }

    @Test
    void metricsCarryEveryCoreName() {
        DjlFixture f = new DjlFixture(29L, 2, 3, 10, 2, 1.0);
        try (NDManager m = manager.newSubManager()) {
            JackpotLossOutput out = JackpotDjl.policyLoss(JackpotConfig.builder().topK(2).build(), f.policyLogits(m),
                    f.rollout(m).build());
            for (JackpotMetric metric : JackpotMetric.values()) {
                assertTrue(Double.isFinite(out.metrics().get(metric.key())), metric.key());
            }
        }
    }

    /**
     * On CPU arrays the part without a gradient comes from the core's kernel: the weights, mask, Zapprox
     * and Z are the core's own bits, and the statistics the core's; the engine's ops round in float32
     * and differ in some last bit (so this test tells the two paths apart).
     */
    @Test
    void onTheCpuTheCoresKernelComputesThePartWithoutAGradient() {
        DjlFixture f = new DjlFixture(5L, 3, 7, 16, 4, 1.0);
        JackpotConfig config = JackpotConfig.builder().topK(4).build();
        try (NDManager m = manager.newSubManager()) {
            f.readTargetFromEngine(m);
            JackpotResult core = Jackpot.compute(config, f.coreBatch(0));
            float[][] weights = new float[2][];
            for (int p = 0; p < 2; p++) {
                JackpotLossOutput out = JackpotDjl.policyLoss(config, f.policyLogits(m), f.rollout(m).build(), null, PATHS[p]);
                weights[p] = out.weights().toFloatArray();
                if (p == 0) {
                    assertArrayEquals(core.acceptMask(), out.acceptMask().toFloatArray(), "mask");
                    assertArrayEquals(core.zApprox(), out.zApprox().toFloatArray(), "Zapprox");
                    assertArrayEquals(core.z(), out.z().toFloatArray(), "Z");
                    assertArrayEquals(core.statistics().toArray(), out.statistics().toArray(), "statistics");
                    assertEquals(core.kappa(), out.kappa(), "kappa");
                }
            }
            assertArrayEquals(core.weights(), weights[0], "the core's kernel: its bits");
            assertFalse(java.util.Arrays.equals(core.weights(), weights[1]), "the engine's ops round in float32");
        }
    }

    /**
     * The log-prob entry point does not know V: the core's union then tests membership on a bit set up
     * to the largest id (ids below 2^22) or on a hash set (larger ids). Shifting every top-k id by
     * 5,000,000 (beyond the bit set) changes nothing but that choice: the same bits.
     */
    @Test
    void idsBeyondTheBitSetGiveTheSameWeights() {
        SplittableRandom rng = new SplittableRandom(404L);
        JackpotConfig config = JackpotConfig.builder().topK(4).build();
        for (int trial = 0; trial < 4; trial++) {
            DjlCase c = DjlCase.random(rng, 3, 5, 12, 4, false);
            try (NDManager m = manager.newSubManager()) {
                float[][] weights = new float[2][];
                for (int shifted = 0; shifted < 2; shifted++) {
                    if (shifted == 1) {
                        for (int i = 0; i < c.rolloutTopIds.length; i++) {
                            c.rolloutTopIds[i] += 5_000_000L;
                            c.targetTopIds[i] += 5_000_000L;
                        }
                    }
                    JackpotLossOutput out = JackpotDjl.policyLoss(config, c.logProbs(m), c.target(m), c.rollout(m), null);
                    weights[shifted] = out.weights().toFloatArray();
                }
                assertArrayEquals(weights[0], weights[1], "trial " + trial);
            }
        }
    }

    @Test
    void budgetModeSolvesLambdaOnTheDeviceLikeTheCore() {
        for (JackpotDjl.Options options : PATHS)
        for (double target : new double[] {0.3, 0.6, 0.9, 1.0}) {
            DjlFixture f = new DjlFixture(31L, 3, 6, 14, 3, 1.2);
            JackpotConfig config = JackpotConfig.builder().topK(3).targetAcceptance(target).build();
            try (NDManager m = manager.newSubManager()) {
                f.readTargetFromEngine(m);
                double expected = Jackpot.solveLambda(config, f.coreBatch(0));
                JackpotLossOutput out = JackpotDjl.policyLoss(config, f.policyLogits(m), f.rollout(m).build(), null, options);
                double lambda = out.metrics().get("jackpot/lambda");
                // float32 Δ on the device vs the core's double: λ agrees to ~1e-5 relative
                assertEquals(expected, lambda, 2e-5 * expected, "target acceptance " + target);
                if (target < 1.0) {
                    assertEquals(target, out.metrics().get("jackpot/expected_acceptance"), 1e-4);
                }
            }
        }
    }

    @Test
    void asADjlLossItGivesThePolicyLoss() {
        DjlFixture f = new DjlFixture(37L, 2, 5, 12, 3, 1.0);
        JackpotConfig config = JackpotConfig.builder().topK(3).build();
        try (NDManager m = manager.newSubManager()) {
            Shape tok = new Shape(2, 5);
            Shape lists = new Shape(2, 5, 3);
            // labels by name, in a shuffled order
            ai.djl.ndarray.NDList labels = new ai.djl.ndarray.NDList(named(m.create(f.rolloutTopIds, lists), "rollout_topk_ids"),
                    named(m.create(f.oldLogProbs, tok), "old_log_probs"), named(m.create(f.tokens, tok), "token_ids"),
                    named(m.create(f.advantages, tok), "advantages"), named(m.create(f.mask, tok), "response_mask"),
                    named(m.create(f.rolloutLogProbs, tok), "rollout_log_probs"),
                    named(m.create(f.rolloutTopLogProbs, lists), "rollout_topk_log_probs"));
            JackpotDjlLoss loss = new JackpotDjlLoss(config);
            IllegalArgumentException noStep = assertThrows(IllegalArgumentException.class,
                    () -> loss.evaluate(labels, new ai.djl.ndarray.NDList(f.policyLogits(m))));
            assertTrue(noStep.getMessage().contains("JackpotDjlLoss.step"), noStep.getMessage());
            loss.step(0);
            assertEquals("jackpot", loss.getName());
            float viaLoss = loss.evaluate(labels, new ai.djl.ndarray.NDList(f.policyLogits(m))).getFloat();
            float direct = JackpotDjl.policyLoss(config, f.policyLogits(m), f.rollout(m).build()).loss().getFloat();
            assertEquals(direct, viaLoss, 0f);
            assertTrue(loss.lastOutput().metrics().containsKey("jackpot/kappa"));
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                    () -> loss.evaluate(new ai.djl.ndarray.NDList(labels.get(0)), new ai.djl.ndarray.NDList(f.policyLogits(m))));
            assertTrue(missing.getMessage().contains("token_ids is required"), missing.getMessage());
            IllegalArgumentException unnamed = assertThrows(IllegalArgumentException.class,
                    () -> loss.evaluate(new ai.djl.ndarray.NDList(m.create(f.tokens, tok)), new ai.djl.ndarray.NDList(f.policyLogits(m))));
            assertTrue(unnamed.getMessage().contains("labels[0] is named nothing"), unnamed.getMessage());
        }
    }

    private static ai.djl.ndarray.NDArray named(ai.djl.ndarray.NDArray a, String name) {
        a.setName(name);
        return a;
    }
}
