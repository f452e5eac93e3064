package io.github.jackpot4j.core;

import static io.github.jackpot4j.core.Batches.p;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * w_t = Z_t·max(λ, exp(ℓ_tgt − ℓ_inf)) and ρ_t = min(w_t, c1)·F(exp(ℓ_old − ℓ_tgt)) (MATH.md §6), read from
 * {@link JackpotResult#weights()}. The bias correction is off so that Z = Zapprox is set by hand.
 */
class WeightsTest {
    private static JackpotConfig.Builder config() {
        return Batches.config().biasCorrection(false);
    }

    @Test
    void weightTakesLambdaBelowItAndTheRatioAboveIt() {
        // λ = 0.8, Z = 0.5 for both tokens (min(0.5, 1/0.8) = 0.5); ℓ_old = ℓ_new so F(1) = 1.
        // token 0: ratio 0.25/0.5 = 0.5 < λ: w = 0.5·max(0.8, 0.5) = 0.4
        // token 1: ratio 0.5/0.25 = 2 > λ:   w = 0.5·max(0.8, 2)   = 1.0
        JackpotBatch batch = Batches.of(1, 2).rollout(0.5, 0.25).currentAndOld(0.25, 0.5).zApprox(0.5, 0.5).build();
        JackpotResult r = Jackpot.compute(config().lambda(0.8).build(), batch);
        assertArrayEquals(new float[] {0.4f, 1.0f}, r.weights(), 1e-6f);
        assertArrayEquals(new float[] {0.5f, 0.5f}, r.z(), 1e-6f);
    }

    @Test
    void aZeroNormalizerGivesWeightZeroEvenForAnInfiniteRatio() {
        // Z = 0 (q = 0 in the union) and ℓ_inf = −∞: w = 0·max(1, ∞) is taken as 0 (w = p/p' has no mass
        // to correct), not NaN; the token is accepted (a = 1) but contributes ρ = 0.
        JackpotBatch batch = Batches.of(1, 1).rolloutLogProbs(Float.NEGATIVE_INFINITY).zApprox(0).build();
        JackpotResult r = Jackpot.compute(config().build(), batch);
        assertEquals(1f, r.acceptMask()[0]);
        assertEquals(0f, r.weights()[0]);
        assertEquals(0.0, r.loss(), 0.0);
        assertEquals(0.0, r.gradLogProbs()[0], 0.0);
    }

    /** Z = {0.9, 0.5, 0.5}, ratios {0.8/0.2, 0.5/0.25, 1}: w = {0.9·4, 0.5·2, 0.5·1} = {3.6, 1.0, 0.5}. */
    private static JackpotBatch threeWeights() {
        return Batches.of(1, 3).rollout(0.2, 0.25, 0.5).currentAndOld(0.8, 0.5, 0.5).zApprox(0.9, 0.5, 0.5).build();
    }

    @Test
    void weightsAboveC1AreClipped() {
        // c1 = 3 (default): ρ = {min(3.6, 3), 1.0, 0.5} = {3, 1, 0.5}; one of three clipped
        JackpotResult r = Jackpot.compute(config().build(), threeWeights());
        assertArrayEquals(new float[] {3f, 1f, 0.5f}, r.weights(), 1e-6f);
        assertEquals(1.0 / 3, r.metric(JackpotMetric.OBRS_CLIP_FRAC), 1e-12);
        // c1 = 0.75: ρ = {0.75, 0.75, 0.5}; two of three clipped
        JackpotResult tight = Jackpot.compute(config().weightClip(0.75).build(), threeWeights());
        assertArrayEquals(new float[] {0.75f, 0.75f, 0.5f}, tight.weights(), 1e-6f);
        assertEquals(2.0 / 3, tight.metric(JackpotMetric.OBRS_CLIP_FRAC), 1e-12);
    }

    /**
     * w = 1 for every token (Z = 1, ℓ_inf = ℓ_new so ratio 1); the residual ratios x = exp(ℓ_old − ℓ_new)
     * are 0.3/0.1 = 3, 0.1/0.4 = 0.25 and 0.15/0.1 = 1.5.
     */
    private static JackpotBatch residualRatios() {
        return Batches.of(1, 3).rollout(0.1, 0.4, 0.1).current(0.1, 0.4, 0.1).old(0.3, 0.1, 0.15).build();
    }

    private static JackpotResult withResidual(ResidualCorrection f) {
        return Jackpot.compute(Batches.withF(config(), f).build(), residualRatios());
    }

    @Test
    void truncateCapsTheResidualRatio() {
        // TIS, C = 2: F = {min(3, 2), 0.25, 1.5} = {2, 0.25, 1.5}; x = 3 was clipped: 1/3
        JackpotResult r = withResidual(ResidualCorrection.truncate(2.0));
        assertArrayEquals(new float[] {2f, 0.25f, 1.5f}, r.weights(), 1e-6f);
        assertEquals(1.0 / 3, r.metric(JackpotMetric.RESIDUAL_CLIP_FRAC), 1e-12);
    }

    @Test
    void truncateAtInfinityIsPlainImportanceSampling() {
        JackpotResult r = withResidual(ResidualCorrection.truncate(Double.POSITIVE_INFINITY));
        assertArrayEquals(new float[] {3f, 0.25f, 1.5f}, r.weights(), 1e-6f);
        assertEquals(0.0, r.metric(JackpotMetric.RESIDUAL_CLIP_FRAC), 0.0);
    }

    @Test
    void icepopZeroesRatiosOutsideTheBand() {
        // IcePop [0.5, 2]: 3 and 0.25 are outside → 0; 1.5 is kept. Two of three zeroed.
        JackpotResult r = withResidual(ResidualCorrection.icepop(0.5, 2.0));
        assertArrayEquals(new float[] {0f, 0f, 1.5f}, r.weights(), 1e-6f);
        assertEquals(2.0 / 3, r.metric(JackpotMetric.RESIDUAL_CLIP_FRAC), 1e-12);
    }

    @Test
    void noResidualCorrectionIsOne() {
        JackpotResult r = withResidual(ResidualCorrection.none());
        assertArrayEquals(new float[] {1f, 1f, 1f}, r.weights(), 0f);
        assertEquals(0.0, r.metric(JackpotMetric.RESIDUAL_CLIP_FRAC), 0.0);
    }

    @Test
    void referenceTargetAppliesFOfOne() {
        // REFERENCE: ℓ_tgt = ℓ_old = ln 0.3, ℓ_inf = ln 0.1, ratio 3; Z = 0.2: w = 0.2·max(1, 3) = 0.6.
        // The residual ratio is exp(ℓ_old − ℓ_old) = 1, so ρ = 0.6·F(1).
        JackpotBatch batch = Batches.of(1, 1).rollout(0.1).current(0.1).old(0.3).zApprox(0.2).build();
        JackpotConfig.Builder reference = config().target(Target.REFERENCE);
        // TRUNCATE(2): F(1) = 1 → 0.6; TRUNCATE(0.5): F(1) = 0.5 → 0.3; IcePop [2, 5]: F(1) = 0 → 0
        assertEquals(0.6, Jackpot.compute(reference.rolloutIsThreshold(ResidualCorrection.truncate(2)).build(), batch)
                .weights()[0], 1e-6);
        assertEquals(0.3, Jackpot.compute(reference.rolloutIsThreshold(ResidualCorrection.truncate(0.5)).build(),
                batch).weights()[0], 1e-6);
        assertEquals(0.0, Jackpot.compute(reference.rolloutIsThreshold(ResidualCorrection.icepop(2, 5)).build(),
                batch).weights()[0], 0.0);
    }

    @Test
    void maskOnlyReplacesTheWeightByOneButStillRejects() {
        // token 0: Z = 0.3, ratio 0.5/0.25 = 2: w would be 0.6; mask_only makes it 1, accepted (u = 0).
        // token 1: ratio 0.25/0.5 = 0.5 = a, u = 0.9 ≥ 0.5: rejected; ρ = 1 is reported, its loss is 0.
        JackpotBatch batch = Batches.of(1, 2).rollout(0.25, 0.5).currentAndOld(0.5, 0.25).zApprox(0.3, 0.3)
                .advantages(1f, 1f).uniforms(0f, 0.9f).build();
        assertArrayEquals(new float[] {0.6f, 0.3f}, Jackpot.compute(config().build(), batch).weights(), 1e-6f);
        JackpotResult r = Jackpot.compute(config().maskOnly(true).build(), batch);
        assertArrayEquals(new float[] {1f, 1f}, r.weights(), 0f);
        assertArrayEquals(new float[] {1f, 0f}, r.acceptMask(), 0f);
        // loss_t = m·ρ·L with r = 1, L = −Â = −1: {−1, 0}
        assertArrayEquals(new float[] {-1f, 0f}, r.perTokenLoss(), 1e-6f);
    }

    /**
     * Baselines: x = exp(ℓ_old − ℓ_inf) = 0.3/0.1 = 3, 0.1/0.4 = 0.25, 0.15/0.1 = 1.5 (ℓ_new = ℓ_old).
     * Uniforms of 0.99 would reject these tokens under OBRS; the baselines do not reject.
     */
    private static JackpotResult baseline(ResidualCorrection f) {
        JackpotBatch batch = Batches.of(1, 3).rollout(0.1, 0.4, 0.1).currentAndOld(0.3, 0.1, 0.15)
                .uniforms(0.99f, 0.99f, 0.99f).buildWithoutTopK();
        JackpotResult r = Jackpot.compute(Batches.withF(JackpotConfig.builder().useJackpot(false), f).build(),
                batch);
        assertArrayEquals(new float[] {1f, 1f, 1f}, r.acceptMask(), 0f);
        assertEquals(1.0, r.metric(JackpotMetric.ACCEPTANCE_RATE), 0.0);
        assertArrayEquals(new float[3], r.z(), 0f);
        assertArrayEquals(new float[3], r.zApprox(), 0f);
        return r;
    }

    @Test
    void baselineWithoutCorrectionWeighsEveryTokenOne() {
        assertArrayEquals(new float[] {1f, 1f, 1f}, baseline(ResidualCorrection.none()).weights(), 0f);
    }

    @Test
    void baselineTisTruncatesTheRolloutRatio() {
        // ρ = min(x, 2) = {2, 0.25, 1.5}
        JackpotResult r = baseline(ResidualCorrection.truncate(2.0));
        assertArrayEquals(new float[] {2f, 0.25f, 1.5f}, r.weights(), 1e-6f);
        assertEquals(1.0 / 3, r.metric(JackpotMetric.RESIDUAL_CLIP_FRAC), 1e-12);
    }

    @Test
    void baselineIcepopZeroesTheRolloutRatioOutsideTheBand() {
        // ρ = x on [0.5, 2], else 0: {0, 0, 1.5}
        assertArrayEquals(new float[] {0f, 0f, 1.5f}, baseline(ResidualCorrection.icepop(0.5, 2.0)).weights(), 1e-6f);
    }

    /**
     * Vocabulary of 3 with q = p_inf = {0.5, 0.3, 0.2} and p = p_tgt = {0.2, 0.4, 0.4}; position x of the
     * row samples token x, so ℓ_inf = ln q_x and ℓ_tgt = ℓ_new = ln p_x.
     */
    private static JackpotResult exactVocabulary(double lambda) {
        float[] q = p(0.5, 0.3, 0.2, 0.5, 0.3, 0.2, 0.5, 0.3, 0.2);
        float[] pt = p(0.2, 0.4, 0.4, 0.2, 0.4, 0.4, 0.2, 0.4, 0.4);
        JackpotBatch batch = Batches.of(1, 3).rollout(0.5, 0.3, 0.2).currentAndOld(0.2, 0.4, 0.4).withTopK(0)
                .fullVocabLogProbs(FloatView.of(q, new int[] {1, 3, 3}), FloatView.of(pt, new int[] {1, 3, 3}))
                .build();
        return Jackpot.compute(JackpotConfig.builder().biasCorrection(false).weightClip(10).lambda(lambda).build(),
                batch);
    }

    @Test
    void acceptedTokensReweightedByWFollowTheTargetExactly() {
        // λ = 1: Z = 0.2 + 0.3 + 0.2 = 0.7; w = 0.7·max(1, p/q) = 0.7·{1, 4/3, 2} = {0.7, 0.9333, 1.4}.
        JackpotResult r = exactVocabulary(1.0);
        assertArrayEquals(new float[] {0.7f, 0.7f * 4 / 3, 1.4f}, r.weights(), 1e-6f);
        // p'(x) = min(q, p/λ)/Z = {0.2, 0.3, 0.2}/0.7 and p'(x)·w(x) = {0.2, 0.4, 0.4} = p(x)
        double[] accepted = {0.2 / 0.7, 0.3 / 0.7, 0.2 / 0.7};
        double[] target = {0.2, 0.4, 0.4};
        for (int x = 0; x < 3; x++) {
            assertEquals(target[x], accepted[x] * r.weights()[x], 1e-6, "token " + x);
        }
    }

    @Test
    void theIdentityHoldsForLambdaAboveOneToo() {
        // λ = 2: Z = min(0.5, 0.1) + min(0.3, 0.2) + min(0.2, 0.2) = 0.5;
        // p/q = {0.4, 1.333, 2} ≤ λ, so w = 0.5·2 = 1 for all; p' = {0.1, 0.2, 0.2}/0.5 = {0.2, 0.4, 0.4} = p.
        JackpotResult r = exactVocabulary(2.0);
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, r.z(), 1e-6f);
        assertArrayEquals(new float[] {1f, 1f, 1f}, r.weights(), 1e-6f);
    }
}
