package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.doubles;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * Budget mode (MATH.md §9): the solved λ* gives a mean acceptance of ā over the valid tokens to a
 * relative 1e-6, brackets the root (mean ≥ ā just below λ*, ≤ ā just above), and is the λ
 * {@link Jackpot#compute} uses and reports.
 */
class BudgetPropertiesTest {

    /** (1/N) Σ_valid min(1, exp(Δ_t)/λ), computed independently of the solver. */
    private static double meanAcceptance(SyntheticRollouts g, Target target, double lambda) {
        float[] targetLp = g.targetLogProbs(target);
        double sum = 0;
        int n = 0;
        for (int t = 0; t < g.tokenCount(); t++) {
            if (g.responseMask[t] != 0f) {
                sum += AcceptancePropertiesTest.acceptance(targetLp[t], g.rolloutLogProbs[t], lambda);
                n++;
            }
        }
        return sum / n;
    }

    @Test
    void solvedLambdaHitsTheTargetAcceptance() {
        Generators.qt(0x5EED_0701L, 800)
                .forAll(Generators.specs(8, 30, 5, 30), doubles().between(0.02, 1.0), Generate.enumValues(Target.class))
                .checkAssert((spec, targetAcceptance, target) -> {
                    SyntheticRollouts g = spec.generate();
                    JackpotConfig config = JackpotConfig.builder().topK(g.k).target(target)
                            .targetAcceptance(targetAcceptance).build();
                    JackpotBatch batch = g.batch(target, SyntheticRollouts.Inputs.TOP_K);
                    double lambda = Jackpot.solveLambda(config, batch);
                    String where = spec + ", target_acceptance=" + targetAcceptance + ", target=" + target
                            + ", solved lambda=" + lambda;
                    assertTrue(lambda > 0 && Double.isFinite(lambda), where);
                    JackpotResult r = Jackpot.compute(config, batch);
                    assertEquals(lambda, r.metric(JackpotMetric.LAMBDA), 0.0, () -> where + ": jackpot/lambda");

                    float[] targetLp = g.targetLogProbs(target);
                    int valid = 0;
                    int finite = 0;
                    double smallestRatio = Double.POSITIVE_INFINITY;
                    for (int t = 0; t < g.tokenCount(); t++) {
                        if (g.responseMask[t] != 0f) {
                            valid++;
                            if (targetLp[t] != Float.NEGATIVE_INFINITY) {
                                finite++;
                                smallestRatio = Math.min(smallestRatio, (double) targetLp[t] - g.rolloutLogProbs[t]);
                            }
                        }
                    }
                    if (finite == 0) {
                        // Every acceptance is 0 whatever λ is: the configured λ stands (BudgetSolver's fallback).
                        assertEquals(config.lambda(), lambda, 0.0, where);
                        return;
                    }
                    double reachable = (double) finite / valid; // tokens with p_tgt = 0 are never accepted
                    double mean = meanAcceptance(g, target, lambda);
                    if (targetAcceptance >= reachable) {
                        // No λ reaches ā: the answer is the largest λ reaching the maximum, exp(min Δ).
                        assertEquals(Math.exp(smallestRatio), lambda, 1e-12 * lambda, where);
                        assertEquals(reachable, mean, 1e-9, where);
                        return;
                    }
                    // Bisection to 1e-7 in log λ moves the mean by at most mean·1e-7 (|d mean / d log λ| <= mean).
                    assertEquals(targetAcceptance, mean, 1e-6 * targetAcceptance,
                            () -> where + ": mean acceptance at the solved λ");
                    double below = meanAcceptance(g, target, lambda * (1 - 1e-5));
                    double above = meanAcceptance(g, target, lambda * (1 + 1e-5));
                    assertTrue(below >= targetAcceptance && above <= targetAcceptance && below >= mean && mean >= above,
                            () -> where + ": not bracketed: mean(λ(1-1e-5)) = " + below + ", mean(λ) = " + mean
                                    + ", mean(λ(1+1e-5)) = " + above);
                    assertEquals(mean, r.metric(JackpotMetric.EXPECTED_ACCEPTANCE), 1e-12,
                            () -> where + ": expected_acceptance of the budget-mode compute");
                });
    }

    @Test
    void solvingOverMicroBatchesEqualsSolvingOverTheWholeBatch() {
        // The solver's inputs are the valid tokens in order; splitting rows must not change λ.
        Generators.qt(0x5EED_0702L, 300)
                .forAll(Generators.specs(10, 12, 5, 20), doubles().between(0.05, 1.0), MicroBatchPropertiesTest.cuts())
                .checkAssert((spec, targetAcceptance, cutSeed) -> {
                    SyntheticRollouts g = spec.generate();
                    JackpotConfig config = JackpotConfig.builder().topK(g.k).targetAcceptance(targetAcceptance).build();
                    int[] bounds = MicroBatchPropertiesTest.boundaries(g.batchSize, cutSeed);
                    JackpotBatch[] parts = new JackpotBatch[bounds.length - 1];
                    for (int i = 0; i < parts.length; i++) {
                        parts[i] = g.batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K, bounds[i], bounds[i + 1]);
                    }
                    double whole = Jackpot.solveLambda(config, g.batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K));
                    assertEquals(whole, Jackpot.solveLambda(config, parts), 0.0,
                            () -> spec + ", target_acceptance=" + targetAcceptance + ", cuts=" + Arrays.toString(bounds));
                });
    }
}
