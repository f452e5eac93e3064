package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** κ = ᾱ̂ / mean Zapprox and Z = κ·Zapprox (MATH.md §5), and the mergeable {@link BatchStatistics}. */
class BiasCorrectionTest {
    /**
     * Three tokens, λ = 1, ℓ_inf = ln 0.4 everywhere and ℓ_tgt = ln {0.4, 0.2, 0.1}:
     * a = {1, 0.5, 0.25}. Zapprox = {0.8, 0.5, 0.2}. u = {0.1, 0.6, 0.2}: 0.1 &lt; 1 accepts,
     * 0.6 ≥ 0.5 rejects, 0.2 &lt; 0.25 accepts, so Mask = {1, 0, 1}.
     */
    private static Batches threeTokens() {
        return Batches.of(1, 3).rollout(0.4, 0.4, 0.4).currentAndOld(0.4, 0.2, 0.1)
                .zApprox(0.8, 0.5, 0.2).uniforms(0.1f, 0.6f, 0.2f);
    }

    /**
     * Two more tokens: ℓ_inf = ln 0.5, ℓ_tgt = ln {0.5, 0.25}: a = {1, 0.5}; Zapprox = {0.4, 0.6};
     * u = {0.9, 0.7}: Mask = {1, 0}.
     */
    private static Batches twoTokens() {
        return Batches.of(1, 2).rollout(0.5, 0.5).currentAndOld(0.5, 0.25)
                .zApprox(0.4, 0.6).uniforms(0.9f, 0.7f);
    }

    @Test
    void sampledKappaIsAcceptedFractionOverMeanZApprox() {
        // ᾱ̂ = (1 + 0 + 1)/3 = 2/3; mean Zapprox = (0.8 + 0.5 + 0.2)/3 = 0.5; κ = (2/3)/0.5 = 4/3
        JackpotResult r = Jackpot.compute(Batches.config().acceptanceEstimate(AcceptanceEstimate.SAMPLED).build(),
                threeTokens().build());
        assertArrayEquals(new float[] {1f, 0f, 1f}, r.acceptMask());
        assertEquals(4.0 / 3, r.kappa(), 1e-6);
        assertEquals(4.0 / 3, r.metric(JackpotMetric.KAPPA), 1e-6);
        // Z = κ·Zapprox = {0.8·4/3, 0.5·4/3, 0.2·4/3} = {1.0667, 0.6667, 0.2667}
        assertArrayEquals(new float[] {0.8f * 4 / 3, 0.5f * 4 / 3, 0.2f * 4 / 3}, r.z(), 1e-6f);
    }

    @Test
    void expectedKappaUsesTheMeanAcceptanceProbability() {
        // ᾱ̂ = (1 + 0.5 + 0.25)/3 = 1.75/3; κ = (1.75/3)/(1.5/3) = 1.75/1.5 = 7/6
        JackpotResult r = Jackpot.compute(Batches.config().acceptanceEstimate(AcceptanceEstimate.EXPECTED).build(),
                threeTokens().build());
        assertEquals(7.0 / 6, r.kappa(), 1e-6);
        assertEquals(0.8 * 7 / 6, r.z()[0], 1e-6);
    }

    @Test
    void biasCorrectionOffLeavesZEqualToZApprox() {
        JackpotResult r = Jackpot.compute(Batches.config().biasCorrection(false).build(), threeTokens().build());
        assertEquals(1.0, r.kappa(), 0.0);
        assertArrayEquals(r.zApprox(), r.z(), 0f);
        assertArrayEquals(new float[] {0.8f, 0.5f, 0.2f}, r.z(), 1e-6f);
    }

    @Test
    void kappaFallsBackToOneWhenEveryZApproxIsZero() {
        // q = 0 in the single-id union: Zapprox = min(0, 1) = 0 for every token, Σ Zapprox = 0.
        JackpotBatch batch = threeTokens().zApprox(0, 0, 0).build();
        JackpotResult r = Jackpot.compute(Batches.config().build(), batch);
        assertEquals(1.0, r.kappa(), 0.0);
        assertTrue(r.statistics().kappaFallback());
        // Z = 0 ⇒ w = 0 ⇒ ρ = 0: nothing is learned from these tokens, and nothing is NaN.
        assertArrayEquals(new float[3], r.weights(), 0f);
        assertEquals(0.0, r.loss(), 0.0);
    }

    @Test
    void kappaFallsBackToOneWhenNoTokenIsValid() {
        JackpotResult r = Jackpot.compute(Batches.config().build(), threeTokens().mask(0f, 0f, 0f).build());
        assertEquals(1.0, r.kappa(), 0.0);
        assertTrue(r.statistics().kappaFallback());
        assertEquals(0.0, r.statistics().validTokens(), 0.0);
    }

    @Test
    void statisticsHoldTheFiveSums() {
        BatchStatistics s = Jackpot.statistics(Batches.config().build(), threeTokens().build());
        // {N, Σ Mask, Σ a, Σ Zapprox, S} = {3, 2, 1 + 0.5 + 0.25, 0.8 + 0.5 + 0.2, 1 sequence with an accepted token}
        assertArrayEquals(new double[] {3, 2, 1.75, 1.5, 1}, s.toArray(), 1e-6);
        assertEquals(1.0, s.lambda(), 0.0);
        assertFalse(s.kappaFallback());
    }

    @Test
    void mergedStatisticsAreTheSumsAndGiveTheWholeBatchKappa() {
        JackpotConfig config = Batches.config().build();
        BatchStatistics first = Jackpot.statistics(config, threeTokens().build());
        BatchStatistics second = Jackpot.statistics(config, twoTokens().builder().sequenceOffset(1).build());
        BatchStatistics merged = first.merge(second);
        // second = {2, 1, 1 + 0.5, 0.4 + 0.6, 1}; merged = {3 + 2, 2 + 1, 1.75 + 1.5, 1.5 + 1.0, 1 + 1}
        assertArrayEquals(new double[] {5, 3, 3.25, 2.5, 2}, merged.toArray(), 1e-6);
        // κ = (3/5)/(2.5/5) = 1.2 (SAMPLED), 3.25/2.5 = 1.3 (EXPECTED)
        assertEquals(1.2, merged.kappa(AcceptanceEstimate.SAMPLED), 1e-6);
        assertEquals(1.3, merged.kappa(AcceptanceEstimate.EXPECTED), 1e-6);

        // Each part computed with the merged statistics uses κ = 1.2: Z = 0.8·1.2 = 0.96 for the first token.
        JackpotResult part = Jackpot.compute(config, threeTokens().build(), merged);
        assertEquals(1.2, part.kappa(), 1e-6);
        assertEquals(0.96, part.z()[0], 1e-6);

        // The same five tokens as one batch (row 1 padded at the end) give the same sums and κ.
        JackpotBatch whole = Batches.of(2, 3).mask(1f, 1f, 1f, 1f, 1f, 0f)
                .rollout(0.4, 0.4, 0.4, 0.5, 0.5, 0.5).currentAndOld(0.4, 0.2, 0.1, 0.5, 0.25, 0.5)
                .zApprox(0.8, 0.5, 0.2, 0.4, 0.6, 1).uniforms(0.1f, 0.6f, 0.2f, 0.9f, 0.7f, 0f).build();
        JackpotResult wholeResult = Jackpot.compute(config, whole);
        assertArrayEquals(merged.toArray(), wholeResult.statistics().toArray(), 1e-6);
        assertEquals(1.2, wholeResult.kappa(), 1e-6);
    }

    @Test
    void emptyIsTheIdentityOfMerge() {
        BatchStatistics s = Jackpot.statistics(Batches.config().build(), threeTokens().build());
        assertArrayEquals(s.toArray(), BatchStatistics.EMPTY.merge(s).toArray(), 0.0);
        assertArrayEquals(s.toArray(), s.merge(BatchStatistics.EMPTY).toArray(), 0.0);
        assertEquals(1.0, BatchStatistics.EMPTY.merge(s).lambda(), 0.0);
    }

    @Test
    void arrayRoundTripKeepsTheSumsAndForgetsLambda() {
        BatchStatistics s = Jackpot.statistics(Batches.config().build(), threeTokens().build());
        BatchStatistics back = BatchStatistics.fromArray(s.toArray());
        assertArrayEquals(s.toArray(), back.toArray(), 0.0);
        assertTrue(Double.isNaN(back.lambda()));
        // An unknown λ merges with any λ, which is then kept.
        assertEquals(2.0, back.merge(Jackpot.statistics(Batches.config().lambda(2.0).build(), threeTokens().build()))
                .lambda(), 0.0);
    }

    @Test
    void fromArrayRejectsWrongLengthAndNegativeSums() {
        IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                () -> BatchStatistics.fromArray(new double[4]));
        assertEquals("statistics array must have 5 elements", length.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> BatchStatistics.fromArray(new double[] {3, -1, 0, 0, 0}));
        assertEquals("statistics[1] = -1.0 must be finite and >= 0", negative.getMessage());
    }

    @Test
    void mergingStatisticsOfDifferentLambdasIsAnError() {
        BatchStatistics one = Jackpot.statistics(Batches.config().lambda(1.0).build(), threeTokens().build());
        BatchStatistics two = Jackpot.statistics(Batches.config().lambda(2.0).build(), twoTokens().build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> one.merge(two));
        assertTrue(e.getMessage().startsWith("cannot merge statistics taken with jackpot_lambda = 1.0 and 2.0"),
                e.getMessage());
    }

    @Test
    void computingWithStatisticsOfAnotherLambdaIsAnError() {
        BatchStatistics two = Jackpot.statistics(Batches.config().lambda(2.0).build(), threeTokens().build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Jackpot.compute(Batches.config().lambda(1.0).build(), threeTokens().build(), two));
        assertEquals("the statistics were taken with jackpot_lambda = 2.0 but the configuration has jackpot_lambda"
                + " = 1.0", e.getMessage());
    }
}
