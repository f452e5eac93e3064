package io.github.jackpot4j.core;

import static io.github.jackpot4j.core.Batches.p;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** OBRS acceptance a_t = min(1, exp(ℓ_tgt − ℓ_inf)/λ) and the rejection mask u_t &lt; a_t (MATH.md §2, §3). */
class AcceptanceTest {
    private static double expectedAcceptance(JackpotConfig config, JackpotBatch batch) {
        return Jackpot.compute(config, batch).metric(JackpotMetric.EXPECTED_ACCEPTANCE);
    }

    /** One token with p_tgt = 0.2 and p_inf = 0.4: exp(ℓ_tgt − ℓ_inf) = 0.2/0.4 = 0.5. */
    private static JackpotBatch halfRatioToken() {
        return Batches.of(1, 1).rollout(0.4).current(0.2).old(0.2).build();
    }

    @Test
    void lambdaBelowOneRaisesAcceptanceUntilTheCap() {
        // λ = 0.8: a = min(1, 0.5/0.8) = 0.625
        assertEquals(0.625, expectedAcceptance(Batches.config().lambda(0.8).build(), halfRatioToken()), 1e-6);
        // λ = 0.25: 0.5/0.25 = 2, capped: a = 1
        assertEquals(1.0, expectedAcceptance(Batches.config().lambda(0.25).build(), halfRatioToken()), 0.0);
    }

    @Test
    void lambdaOneIsThePlainRatio() {
        // λ = 1: a = min(1, 0.5/1) = 0.5
        assertEquals(0.5, expectedAcceptance(Batches.config().lambda(1.0).build(), halfRatioToken()), 1e-6);
    }

    @Test
    void lambdaAboveOneLowersAcceptance() {
        // λ = 4: a = min(1, 0.5/4) = 0.125
        assertEquals(0.125, expectedAcceptance(Batches.config().lambda(4.0).build(), halfRatioToken()), 1e-7);
    }

    @Test
    void latestTargetsLogProbsAndReferenceTargetsOldLogProbs() {
        // ℓ_inf = ln 0.4, ℓ_new = ln 0.3, ℓ_old = ln 0.1, λ = 1
        JackpotBatch batch = Batches.of(1, 1).rollout(0.4).current(0.3).old(0.1).build();
        // LATEST: a = 0.3/0.4 = 0.75
        assertEquals(0.75, expectedAcceptance(Batches.config().target(Target.LATEST).build(), batch), 1e-6);
        // REFERENCE: a = 0.1/0.4 = 0.25
        assertEquals(0.25, expectedAcceptance(Batches.config().target(Target.REFERENCE).build(), batch), 1e-6);
    }

    @Test
    void callerUniformsAcceptStrictlyBelowTheAcceptance() {
        // Equal log-probs give ratio exactly 1, so with λ = 2 every a = 1/2 exactly.
        // u = 0, 0.5⁻ (largest float below 0.5) are < 0.5: accepted; u = 0.5 and 0.9 are not.
        JackpotBatch batch = Batches.of(1, 4)
                .uniforms(0f, Math.nextDown(0.5f), 0.5f, 0.9f)
                .build();
        JackpotResult r = Jackpot.compute(Batches.config().lambda(2.0).build(), batch);
        assertArrayEquals(new float[] {1f, 1f, 0f, 0f}, r.acceptMask());
        // acceptance_rate = 2 accepted / 4 valid = 0.5; expected_acceptance = mean a = 0.5
        assertEquals(0.5, r.metric(JackpotMetric.ACCEPTANCE_RATE), 0.0);
        assertEquals(0.5, r.metric(JackpotMetric.EXPECTED_ACCEPTANCE), 0.0);
    }

    @Test
    void targetProbabilityZeroIsNeverAccepted() {
        // ℓ_tgt = −∞, ℓ_inf = ln 0.5: a = min(1, 0/0.5) = 0; even u = 0 is not < 0.
        float[] minusInf = {Float.NEGATIVE_INFINITY};
        JackpotBatch batch = Batches.of(1, 1).logProbs(minusInf).oldLogProbs(minusInf).uniforms(0f).build();
        JackpotResult r = Jackpot.compute(Batches.config().build(), batch);
        assertEquals(0.0, r.metric(JackpotMetric.EXPECTED_ACCEPTANCE), 0.0);
        assertEquals(0f, r.acceptMask()[0]);
        assertEquals(0.0, r.loss(), 0.0);
    }

    @Test
    void bothProbabilitiesZeroCountAsRatioOne() {
        // ℓ_tgt = ℓ_inf = −∞: (−∞) − (−∞) is taken as 0, ratio 1, a = min(1, 1/1) = 1, so u = 0.9 accepts.
        float[] minusInf = {Float.NEGATIVE_INFINITY};
        JackpotBatch batch = Batches.of(1, 1).rolloutLogProbs(minusInf).logProbs(minusInf).oldLogProbs(minusInf)
                .uniforms(0.9f).build();
        JackpotResult r = Jackpot.compute(Batches.config().build(), batch);
        assertEquals(1.0, r.metric(JackpotMetric.EXPECTED_ACCEPTANCE), 0.0);
        assertEquals(1f, r.acceptMask()[0]);
        assertTrue(Double.isFinite(r.loss()));
    }

    @Test
    void rolloutProbabilityZeroIsAlwaysAcceptedWithTheWeightCapped() {
        // ℓ_inf = −∞, ℓ_tgt = ln 0.5: ratio +∞, a = 1; w = Z·max(λ, ∞) = ∞ > c1 = 3, so ρ = min(w, 3)·F(1) = 3.
        JackpotBatch batch = Batches.of(1, 1).rolloutLogProbs(Float.NEGATIVE_INFINITY).uniforms(0.99f).build();
        JackpotResult r = Jackpot.compute(Batches.config().biasCorrection(false).build(), batch);
        assertEquals(1f, r.acceptMask()[0]);
        assertEquals(3f, r.weights()[0]);
        assertEquals(1.0, r.metric(JackpotMetric.OBRS_CLIP_FRAC), 0.0);
    }

    @Test
    void uniformsAreAPureFunctionOfSeedStepSequenceAndPosition() {
        assertEquals(RejectionUniforms.uniform(7, 5, 3, 11), RejectionUniforms.uniform(7, 5, 3, 11));
        // Changing any one coordinate gives another draw (fixed values, so this cannot flake).
        float u = RejectionUniforms.uniform(7, 5, 3, 11);
        assertNotEquals(u, RejectionUniforms.uniform(8, 5, 3, 11));
        assertNotEquals(u, RejectionUniforms.uniform(7, 6, 3, 11));
        assertNotEquals(u, RejectionUniforms.uniform(7, 5, 4, 11));
        assertNotEquals(u, RejectionUniforms.uniform(7, 5, 3, 12));
    }

    @Test
    void uniformsFollowTheDocumentedSplitMix64Definition() {
        // An independent transcription of the definition in RejectionUniforms' Javadoc, which other
        // backends (DJL, ND4J) must reproduce bit for bit.
        long[][] keys = {{0, 0, 0, 0}, {0, 0, 0, 1}, {0, 1, 0, 0}, {42, 9, 7, 3}, {-1, Long.MAX_VALUE, 123456789, 4095}};
        for (long[] key : keys) {
            long h = splitMixFinalizer(key[0] ^ 0x6A09E667F3BCC909L);
            h = splitMixFinalizer(h + key[1] * 0xC2B2AE3D27D4EB4FL);
            h = splitMixFinalizer(h + key[2] * 0x9E3779B97F4A7C15L);
            h = splitMixFinalizer(h + key[3] * 0xD1B54A32D192ED03L);
            float expected = (float) ((h >>> 40) / 16777216.0);
            assertEquals(expected, RejectionUniforms.uniform(key[0], key[1], key[2], (int) key[3]), Arrays.toString(key));
        }
    }

    private static long splitMixFinalizer(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Test
    void uniformsLieInTheUnitIntervalOnTheTwoToTheMinus24Grid() {
        float[] draws = RejectionUniforms.fill(5, 3, 100, 20, 50, new float[1000]);
        for (float u : draws) {
            assertTrue(u >= 0f && u < 1f, "u = " + u);
            double scaled = u * 16777216.0; // u · 2^24 must be a whole number
            assertEquals(Math.rint(scaled), scaled, 0.0, "u = " + u);
        }
        // fill() lays the draws out row-major: element [b, i] is uniform(seed, step, offset + b, i)
        assertEquals(RejectionUniforms.uniform(5, 3, 100 + 13, 27), draws[13 * 50 + 27]);
    }

    @Test
    void aMicroBatchWithItsSequenceOffsetDrawsTheSameMaskAsTheWholeBatch() {
        // Equal log-probs, λ = 2: every a = 0.5, so Mask_t = [u_t < 0.5] depends only on the draws.
        JackpotConfig config = Batches.config().lambda(2.0).seed(17).build();
        JackpotBatch whole = Batches.of(4, 3).counterUniforms().build();
        float[] wholeMask = Jackpot.compute(config, whole).acceptMask().clone();
        for (int b = 0; b < 4; b++) {
            for (int i = 0; i < 3; i++) {
                float expected = RejectionUniforms.uniform(17, 0, b, i) < 0.5f ? 1f : 0f;
                assertEquals(expected, wholeMask[b * 3 + i], "token [" + b + "," + i + "]");
            }
        }
        // Rows 2 and 3 alone, told that their first row is global sequence 2.
        JackpotBatch tail = Batches.of(2, 3).counterUniforms().builder().sequenceOffset(2).build();
        float[] tailMask = Jackpot.compute(config, tail).acceptMask();
        assertArrayEquals(Arrays.copyOfRange(wholeMask, 6, 12), tailMask);
        // Without the offset the micro-batch would draw rows 0 and 1's u instead.
        for (int i = 0; i < 3; i++) {
            assertNotEquals(RejectionUniforms.uniform(17, 0, 0, i), RejectionUniforms.uniform(17, 0, 2, i));
        }
    }
}
