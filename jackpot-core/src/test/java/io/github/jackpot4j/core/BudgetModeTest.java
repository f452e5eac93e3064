package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Budget mode (MATH.md §9): the λ with (1/N) Σ_t min(1, exp(ℓ_tgt − ℓ_inf)/λ) = ā.
 *
 * <p>Four tokens with ℓ_inf = ln 0.1 and ℓ_tgt = ln {0.4, 0.2, 0.1, 0.05}: ratios {4, 2, 1, 0.5}. For
 * λ ∈ [2, 4] the first token is capped at 1, so the mean is (1 + (2 + 1 + 0.5)/λ)/4 = (1 + 3.5/λ)/4; for
 * λ ≥ 4 it is (4 + 2 + 1 + 0.5)/(4λ) = 7.5/(4λ).
 */
class BudgetModeTest {
    /** λ's relative tolerance 1e-6 plus the float rounding of the log-probs. */
    private static final double RELATIVE = 2e-6;

    private static JackpotBatch fourTokens() {
        return Batches.of(1, 4).rollout(0.1, 0.1, 0.1, 0.1).currentAndOld(0.4, 0.2, 0.1, 0.05).build();
    }

    private static JackpotConfig budget(double targetAcceptance) {
        return Batches.config().targetAcceptance(targetAcceptance).build();
    }

    @Test
    void halfAcceptanceInTheCappedRegime() {
        // (1 + 3.5/λ)/4 = 0.5 ⇒ 3.5/λ = 1 ⇒ λ = 3.5 (inside [2, 4])
        assertEquals(3.5, Jackpot.solveLambda(budget(0.5), fourTokens()), 3.5 * RELATIVE);
    }

    @Test
    void quarterAcceptanceInTheUncappedRegime() {
        // 7.5/(4λ) = 0.25 ⇒ λ = 7.5 (≥ 4)
        assertEquals(7.5, Jackpot.solveLambda(budget(0.25), fourTokens()), 7.5 * RELATIVE);
    }

    @Test
    void fullAcceptanceGivesTheLargestLambdaAcceptingEverything() {
        // ā = 1 needs min(1, ratio/λ) = 1 for all, i.e. λ ≤ min ratio = 0.5; the largest such λ is 0.5
        assertEquals(0.5, Jackpot.solveLambda(budget(1.0), fourTokens()), 0.5 * RELATIVE);
    }

    @Test
    void paddingDoesNotCount() {
        // A fifth, padded token with ratio 0.9/0.01 = 90 leaves λ = 3.5.
        JackpotBatch padded = Batches.of(1, 5).mask(1, 1, 1, 1, 0).rollout(0.1, 0.1, 0.1, 0.1, 0.01)
                .currentAndOld(0.4, 0.2, 0.1, 0.05, 0.9).build();
        assertEquals(3.5, Jackpot.solveLambda(budget(0.5), padded), 3.5 * RELATIVE);
    }

    @Test
    void theSolveSpansSeveralMicroBatches() {
        JackpotBatch first = Batches.of(1, 2).rollout(0.1, 0.1).currentAndOld(0.4, 0.2).build();
        JackpotBatch second = Batches.of(1, 2).rollout(0.1, 0.1).currentAndOld(0.1, 0.05).build();
        assertEquals(3.5, Jackpot.solveLambda(budget(0.5), first, second), 3.5 * RELATIVE);
    }

    @Test
    void referenceTargetSolvesOnOldLogProbs() {
        // ℓ_new = ℓ_inf (ratio 1 everywhere for LATEST) and ℓ_old carries the ratios {4, 2, 1, 0.5}.
        JackpotBatch batch = Batches.of(1, 4).rollout(0.1, 0.1, 0.1, 0.1).current(0.1, 0.1, 0.1, 0.1)
                .old(0.4, 0.2, 0.1, 0.05).build();
        // LATEST: mean = min(1, 1/λ) = 0.5 ⇒ λ = 2
        assertEquals(2.0, Jackpot.solveLambda(budget(0.5), batch), 2.0 * RELATIVE);
        // REFERENCE: λ = 3.5 as above
        JackpotConfig reference = Batches.config().targetAcceptance(0.5).target(Target.REFERENCE).build();
        assertEquals(3.5, Jackpot.solveLambda(reference, batch), 3.5 * RELATIVE);
    }

    @Test
    void computeInBudgetModeReportsTheSolvedLambda() {
        JackpotResult r = Jackpot.compute(budget(0.5), fourTokens());
        assertEquals(3.5, r.metric(JackpotMetric.LAMBDA), 3.5 * RELATIVE);
        assertEquals(3.5, r.statistics().lambda(), 3.5 * RELATIVE);
        // and the mean acceptance it was solved for: (1 + 2/3.5 + 1/3.5 + 0.5/3.5)/4 = 0.5
        assertEquals(0.5, r.metric(JackpotMetric.EXPECTED_ACCEPTANCE), 1e-6);
    }

    @Test
    void solveLambdaWithoutBudgetModeIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Jackpot.solveLambda(Batches.config().build(), fourTokens()));
        assertEquals("jackpot_target_acceptance is not set: budget mode is off", e.getMessage());
    }

    @Test
    void budgetModeWithStatisticsOfUnknownLambdaIsAnError() {
        // Statistics that went through an all-reduce carry no λ: the caller must solve λ once first.
        BatchStatistics global = BatchStatistics.fromArray(new double[] {4, 2, 2, 2, 1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Jackpot.compute(budget(0.5), fourTokens(), global));
        assertTrue(e.getMessage().contains("Jackpot.solveLambda"), e.getMessage());
    }

    @Test
    void withLambdaTurnsBudgetModeOff() {
        JackpotConfig fixed = budget(0.5).withLambda(3.5);
        assertFalse(fixed.budgetMode());
        assertEquals(3.5, fixed.lambda(), 0.0);
    }
}
