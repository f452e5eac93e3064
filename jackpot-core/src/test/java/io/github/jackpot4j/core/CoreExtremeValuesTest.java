package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Extreme but legal inputs (MATH.md §10: metrics finite for any valid input): each case used to give
 * NaN, ∞, a wrong weight or a hang, and is now finite and, where the math says so, scale-invariant.
 * See docs/reliability.md.
 */
class CoreExtremeValuesTest {
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    /** B = 1, T = 2, k = 2 over V = 4, every top-k and sampled-token log-prob shifted by {@code shift}. */
    private static JackpotBatch.Builder shifted(float shift) {
        float[] tokens = {-0.7f + shift, -1.2f + shift};
        return JackpotBatch.builder(1, 2, 2).step(3).vocabSize(4)
                .rolloutLogProbs(tokens).oldLogProbs(tokens.clone()).logProbs(new float[] {-0.5f + shift, -1.6f + shift})
                .advantages(new float[] {1f, -0.5f}).uniforms(new float[] {0f, 0f})
                .rolloutTopK(new int[] {0, 1, 0, 2}, new float[] {-0.7f + shift, -1.2f + shift, -0.6f + shift, -1.2f + shift})
                .targetTopK(new int[] {0, 3, 2, 0}, new float[] {-0.5f + shift, -1.4f + shift, -0.9f + shift, -1.6f + shift})
                .targetLogProbsAtRolloutTopK(new float[] {-0.5f + shift, -2.5f + shift, -1.6f + shift, -0.9f + shift})
                .rolloutLogProbsAtTargetTopK(new float[] {-0.7f + shift, -3f + shift, -1.2f + shift, -0.6f + shift});
    }

    private static JackpotConfig.Builder k2() {
        return JackpotConfig.builder().topK(2);
    }

    private static JackpotResult finite(JackpotConfig config, JackpotBatch batch) {
        JackpotResult r = Jackpot.compute(config, batch);
        assertNull(FiniteOutputs.firstNonFinite(r), () -> "non-finite output: " + FiniteOutputs.firstNonFinite(r) + " in " + r);
        return r;
    }

    @Test
    void budgetModeClampsLambdaWhenTheRootUnderflows() {
        // Δ = {0, −1000}: mean acceptance 0.75 needs exp(−1000)/λ = 0.5, λ = e^−999.3 = 0 in double.
        JackpotBatch batch = JackpotBatch.builder(1, 2, 1).step(0).vocabSize(2)
                .logProbs(new float[] {0f, -1000f}).oldLogProbs(new float[] {0f, -1000f})
                .rolloutLogProbs(new float[] {0f, 0f}).advantages(new float[] {1f, 1f})
                .rolloutTopK(new int[] {0, 0}, new float[] {0f, 0f}).targetTopK(new int[] {1, 1}, new float[] {0f, 0f})
                .targetLogProbsAtRolloutTopK(new float[] {NEG_INF, NEG_INF})
                .rolloutLogProbsAtTargetTopK(new float[] {NEG_INF, NEG_INF}).build();
        JackpotConfig config = JackpotConfig.builder().topK(1).targetAcceptance(0.75).build();
        double lambda = Jackpot.solveLambda(config, batch);
        assertEquals(JackpotConfig.MIN_LAMBDA, lambda, 0.0);
        JackpotResult r = finite(config, batch);
        assertEquals(JackpotConfig.MIN_LAMBDA, r.metric(JackpotMetric.LAMBDA), 0.0);
        // and λ is a legal jackpot_lambda: the solved value can be fed back with withLambda
        assertEquals(lambda, config.withLambda(lambda).lambda(), 0.0);
    }

    @Test
    void budgetModeClampsLambdaAboveTheCeiling() {
        // Δ = {+∞ share 1/2, 5000}: ā = 0.5 is met only as λ → ∞.
        JackpotBatch batch = JackpotBatch.builder(1, 2).logProbs(new float[] {0f, 0f}).oldLogProbs(new float[2])
                .rolloutLogProbs(new float[] {NEG_INF, -5000f}).advantages(new float[] {1f, 1f}).build();
        JackpotConfig config = JackpotConfig.builder().useJackpot(false).targetAcceptance(0.5).build();
        assertEquals(JackpotConfig.MAX_LAMBDA, Jackpot.solveLambda(config, batch), 0.0);
        finite(config, batch);
    }

    @Test
    void budgetBisectionTerminatesOnHugeLogRatios() {
        // log-ratios near −1e10, where a double's ulp (2e-6) exceeds the bisection tolerance: the old
        // bisection on [min Δ, max Δ] stopped moving and never returned.
        JackpotBatch batch = JackpotBatch.builder(1, 2).logProbs(new float[] {-1e10f, -1e10f + 2048f})
                .oldLogProbs(new float[2]).rolloutLogProbs(new float[2]).advantages(new float[] {1f, 1f}).build();
        JackpotConfig config = JackpotConfig.builder().useJackpot(false).targetAcceptance(0.75).build();
        double lambda = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> Jackpot.solveLambda(config, batch));
        assertEquals(JackpotConfig.MIN_LAMBDA, lambda, 0.0);
    }

    @Test
    void kappaStaysFiniteWhenEveryTopKLogProbIsMinus740() {
        // q = p = e^−740 ≈ 4e-322 (subnormal): κ = accepted/ΣZapprox used to overflow to ∞, then ∞·0 = NaN.
        JackpotResult r = finite(k2().build(), shifted(-739.3f).build());
        assertTrue(r.statistics().kappaFallback(), "a subnormal mean Zapprox counts as 0: κ = 1");
        assertEquals(1.0, r.kappa(), 0.0);
    }

    @Test
    void weightsDoNotDependOnTheScaleOfTheTopKLists() {
        // The same relative distributions at −10 and −110: Zapprox scales by e^−100 (below float range),
        // κ undoes it. Zapprox used to be rounded to float32 before κ, giving weights 0 at −110.
        for (boolean renorm : new boolean[] {false, true}) {
            JackpotConfig config = k2().useTopkRenorm(renorm).build();
            JackpotResult near = finite(config, shifted(-10f).build());
            JackpotResult far = finite(config, shifted(-110f).build());
            for (int t = 0; t < 2; t++) {
                assertTrue(near.weights()[t] > 0.1f, "weight at -10: " + near.weights()[t]);
                assertEquals(near.weights()[t], far.weights()[t], 1e-4 * near.weights()[t], "renorm=" + renorm + " t=" + t);
                assertEquals(near.z()[t], far.z()[t], 1e-4 * near.z()[t], "renorm=" + renorm + " t=" + t);
            }
            assertEquals(near.loss(), far.loss(), 1e-4 * Math.abs(near.loss()));
        }
    }

    @Test
    void renormalizationOfASubnormalMassIsScaleFree() {
        // rollout top-k {−740, −∞}: mass 4e-322, 1/mass = ∞, ∞·0 = NaN. Renormalized, q̂ = {1, 0} as for {−1, −∞}
        // (−1 takes the plain renormalization, −740 the log-space one: at every λ they must agree)
        for (double lambda : new double[] {1.0, 4.0, 0.25}) {
            JackpotConfig config = k2().useTopkRenorm(true).biasCorrection(false).lambda(lambda).build();
            JackpotResult deep = finite(config, subnormalRolloutMass(-740f).build());
            JackpotResult shallow = finite(config, subnormalRolloutMass(-1f).build());
            for (int t = 0; t < 2; t++) {
                assertEquals(shallow.zApprox()[t], deep.zApprox()[t], 1e-6f, "lambda=" + lambda + " t=" + t);
                assertTrue(shallow.zApprox()[t] > 0.1f, "zApprox " + shallow.zApprox()[t]);
            }
        }
        JackpotConfig config = k2().useTopkRenorm(true).biasCorrection(false).build();
        // and a side with no finite log-prob at all has no mass: Zapprox 0, weights finite
        JackpotResult none = finite(config, subnormalRolloutMass(NEG_INF).build());
        assertEquals(0f, none.zApprox()[0], 0f);
    }

    /**
     * The log-space renormalization fills the target's extra id (2) like the plain one: with BOUND, by
     * the least rollout top-k log-prob, which is finite here ({top, top − 1}), so the fill is seen.
     */
    @Test
    void logSpaceRenormalizationFillsAMissingRolloutProbAsThePlainOne() {
        for (MissingRolloutProb missing : MissingRolloutProb.values()) {
            for (double lambda : new double[] {1.0, 4.0}) {
                JackpotConfig config = k2().useTopkRenorm(true).biasCorrection(false).missingRolloutProb(missing)
                        .lambda(lambda).build();
                JackpotResult deep = finite(config, subnormalRolloutMass(-740f, -741f).build());
                JackpotResult shallow = finite(config, subnormalRolloutMass(-1f, -2f).build());
                for (int t = 0; t < 2; t++) {
                    assertEquals(shallow.zApprox()[t], deep.zApprox()[t], 1e-6f, missing + " lambda=" + lambda + " t=" + t);
                }
            }
        }
    }

    private static JackpotBatch.Builder subnormalRolloutMass(float top) {
        return subnormalRolloutMass(top, NEG_INF);
    }

    /** One sequence of 2 tokens, k = 2: rollout top-k {top, second} at ids {0, 1}, target top-k at ids {0, 2}. */
    private static JackpotBatch.Builder subnormalRolloutMass(float top, float second) {
        return JackpotBatch.builder(1, 2, 2).step(0).vocabSize(3)
                .rolloutLogProbs(new float[] {-1f, -1f}).oldLogProbs(new float[] {-1f, -1f}).logProbs(new float[] {-1f, -1f})
                .advantages(new float[] {1f, 1f})
                .rolloutTopK(new int[] {0, 1, 0, 1}, new float[] {top, second, top, second})
                .targetTopK(new int[] {0, 2, 0, 2}, new float[] {-0.5f, -1f, -0.5f, -1f})
                .targetLogProbsAtRolloutTopK(new float[] {-0.5f, -3f, -0.5f, -3f});
    }

    @Test
    void statisticsWithASubnormalZSumFallBackToKappaOne() {
        BatchStatistics tiny = BatchStatistics.fromArray(new double[] {2, 2, 2, 1e-320, 1});
        assertTrue(tiny.kappaFallback());
        assertEquals(1.0, tiny.kappa(AcceptanceEstimate.SAMPLED), 0.0);
        JackpotResult r = finite(k2().build(), shifted(0f).build());
        JackpotResult global = Jackpot.compute(k2().build(), shifted(0f).build(), tiny);
        assertNull(FiniteOutputs.firstNonFinite(global));
        assertEquals(1.0, global.kappa(), 0.0);
        assertTrue(Double.isFinite(r.kappa()));
    }

    @Test
    void inconsistentStatisticsAreRefusedByIndex() {
        assertMessage("statistics[1] (accepted tokens) = 5.0 exceeds statistics[0] (valid tokens) = 3.0",
                new double[] {3, 5, 1, 1, 1});
        assertMessage("statistics[4] (sequences) = 3.0 exceeds statistics[1] (accepted tokens) = 2.0",
                new double[] {3, 2, 1, 1, 3});
        assertMessage("statistics[2] (sum of acceptance) = 4.0 exceeds statistics[0] (valid tokens) = 3.0",
                new double[] {3, 2, 4, 1, 1});
        assertMessage("statistics[0] (valid tokens) = 2.5 must be a whole number", new double[] {2.5, 2, 1, 1, 1});
        assertMessage("statistics[1] (accepted tokens) = 1.0E-320 must be a whole number", new double[] {3, 1e-320, 1, 1, 0});
    }

    private static void assertMessage(String prefix, double[] sums) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchStatistics.fromArray(sums));
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
    }
}
