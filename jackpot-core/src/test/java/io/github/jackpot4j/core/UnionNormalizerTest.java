package io.github.jackpot4j.core;

import static io.github.jackpot4j.core.Batches.p;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Zapprox_t = Σ_{x ∈ V_k(t)} min(q(x), p(x)/λ) over the union of both top-k lists (MATH.md §4), read
 * from {@link JackpotResult#zApprox()}, with the union metrics of §10.
 */
class UnionNormalizerTest {
    /** A fresh config builder for k = 2 (builders are mutable, so never share one). */
    private static JackpotConfig.Builder k2() {
        return JackpotConfig.builder().topK(2);
    }

    /**
     * Disjoint lists. Rollout top-2: ids {1, 2} with q = {0.5, 0.3} and p there = {0.2, 0.1}.
     * Target top-2: ids {3, 4} with p = {0.4, 0.2}; the rollout model's q there = {0.05, 0.1}.
     */
    private static JackpotBatch.Builder disjoint() {
        return Batches.of(1, 1).withTopK(2)
                .rolloutTopK(new int[] {1, 2}, p(0.5, 0.3))
                .targetLogProbsAtRolloutTopK(p(0.2, 0.1))
                .targetTopK(new int[] {3, 4}, p(0.4, 0.2));
    }

    private static final float[] DISJOINT_CROSS = p(0.05, 0.1);

    private static JackpotResult compute(JackpotConfig.Builder config, JackpotBatch.Builder batch) {
        return Jackpot.compute(config.build(), batch.build());
    }

    @Test
    void disjointListsWithoutCrossLogProbsCountTargetOnlyIdsAsZero() {
        // ZERO: min(0.5, 0.2) + min(0.3, 0.1) + 0 + 0 = 0.2 + 0.1 = 0.3
        JackpotResult r = compute(k2().missingRolloutProb(MissingRolloutProb.ZERO), disjoint());
        assertEquals(0.3, r.zApprox()[0], 1e-6);
        // union = 4 ids; rollout_mass = 0.5 + 0.3 + 0 + 0 = 0.8; target_mass = 0.2 + 0.1 + 0.4 + 0.2 = 0.9
        assertEquals(4.0, r.metric(JackpotMetric.UNION_SIZE_MEAN), 0.0);
        assertEquals(0.8, r.metric(JackpotMetric.ROLLOUT_MASS), 1e-6);
        assertEquals(0.9, r.metric(JackpotMetric.TARGET_MASS), 1e-6);
    }

    @Test
    void boundUsesTheSmallestRolloutTopKProbabilityForTargetOnlyIds() {
        // BOUND: q_(k) = min(0.5, 0.3) = 0.3 stands in for the unknown q at ids 3 and 4:
        // 0.2 + 0.1 + min(0.3, 0.4) + min(0.3, 0.2) = 0.3 + 0.3 + 0.2 = 0.8
        JackpotResult r = compute(k2().missingRolloutProb(MissingRolloutProb.BOUND), disjoint());
        assertEquals(0.8, r.zApprox()[0], 1e-6);
        // The masses use the same q vector: 0.5 + 0.3 + 0.3 + 0.3 = 1.4 (an upper bound, hence > 1)
        assertEquals(1.4, r.metric(JackpotMetric.ROLLOUT_MASS), 1e-6);
    }

    @Test
    void crossLogProbsGiveTheTargetOnlyTerms() {
        // q at ids 3, 4 = {0.05, 0.1}: 0.2 + 0.1 + min(0.05, 0.4) + min(0.1, 0.2) = 0.3 + 0.15 = 0.45
        JackpotResult r = compute(k2().useLatestLogits(true).missingRolloutProb(MissingRolloutProb.BOUND),
                disjoint().rolloutLogProbsAtTargetTopK(DISJOINT_CROSS));
        assertEquals(0.45, r.zApprox()[0], 1e-6);
        // rollout_mass = 0.5 + 0.3 + 0.05 + 0.1 = 0.95
        assertEquals(0.95, r.metric(JackpotMetric.ROLLOUT_MASS), 1e-6);
    }

    @Test
    void crossLogProbsScaleWithLambda() {
        // λ = 0.5 doubles p/λ: min(0.5, 0.4) + min(0.3, 0.2) + min(0.05, 0.8) + min(0.1, 0.4)
        //                    = 0.4 + 0.2 + 0.05 + 0.1 = 0.75
        JackpotResult r = compute(k2().lambda(0.5), disjoint().rolloutLogProbsAtTargetTopK(DISJOINT_CROSS));
        assertEquals(0.75, r.zApprox()[0], 1e-6);
    }

    @Test
    void useLatestLogitsFalseIgnoresTheCrossLogProbs() {
        // Same as without them: ZERO gives 0.3, BOUND gives 0.8.
        JackpotBatch.Builder batch = disjoint().rolloutLogProbsAtTargetTopK(DISJOINT_CROSS);
        assertEquals(0.3, compute(k2().useLatestLogits(false).missingRolloutProb(MissingRolloutProb.ZERO), batch)
                .zApprox()[0], 1e-6);
        assertEquals(0.8, compute(k2().useLatestLogits(false).missingRolloutProb(MissingRolloutProb.BOUND), batch)
                .zApprox()[0], 1e-6);
    }

    /**
     * Overlapping lists: rollout ids {1, 2}, q = {0.5, 0.3}, p there = {0.2, 0.4}; target ids {2, 3},
     * p = {0.4, 0.3}; q at the target ids = {0.3, 0.1}. The union is {1, 2, 3}.
     */
    private static JackpotBatch.Builder overlapping() {
        return Batches.of(1, 1).withTopK(2)
                .rolloutTopK(new int[] {1, 2}, p(0.5, 0.3))
                .targetLogProbsAtRolloutTopK(p(0.2, 0.4))
                .targetTopK(new int[] {2, 3}, p(0.4, 0.3))
                .rolloutLogProbsAtTargetTopK(p(0.3, 0.1));
    }

    @Test
    void overlappingListsCountEachIdOnce() {
        // min(0.5, 0.2) + min(0.3, 0.4) + min(0.1, 0.3) = 0.2 + 0.3 + 0.1 = 0.6 (0.9 if id 2 counted twice)
        JackpotResult r = compute(k2(), overlapping());
        assertEquals(0.6, r.zApprox()[0], 1e-6);
        // union = 3; rollout_mass = 0.5 + 0.3 + 0.1 = 0.9; target_mass = 0.2 + 0.4 + 0.3 = 0.9
        assertEquals(3.0, r.metric(JackpotMetric.UNION_SIZE_MEAN), 0.0);
        assertEquals(0.9, r.metric(JackpotMetric.ROLLOUT_MASS), 1e-6);
        assertEquals(0.9, r.metric(JackpotMetric.TARGET_MASS), 1e-6);
    }

    @Test
    void topKRenormalizationDividesBothModelsByTheirUnionMass() {
        // q̂ = {0.5, 0.3, 0.1}/0.9 = {5, 3, 1}/9; p̂ = {0.2, 0.4, 0.3}/0.9 = {2, 4, 3}/9.
        // λ = 1: min(5, 2) + min(3, 4) + min(1, 3) = 2 + 3 + 1 = 6 → 6/9
        assertEquals(6.0 / 9, compute(k2().useTopkRenorm(true), overlapping()).zApprox()[0], 1e-6);
        // λ = 2: p̂/λ = {1, 2, 1.5}/9: min(5, 1) + min(3, 2) + min(1, 1.5) = 1 + 2 + 1 = 4 → 4/9
        assertEquals(4.0 / 9, compute(k2().useTopkRenorm(true).lambda(2.0), overlapping()).zApprox()[0], 1e-6);
    }

    @Test
    void renormalizationLeavesTheSampledTokensAcceptanceAlone() {
        // The sampled token has ℓ_inf = ln 0.5, ℓ_tgt = ln 0.2: a = 0.2/0.5 = 0.4 with or without renorm.
        JackpotBatch.Builder batch = overlapping().rolloutLogProbs(p(0.5)).logProbs(p(0.2)).oldLogProbs(p(0.2));
        assertEquals(0.4, compute(k2().useTopkRenorm(true), batch).metric(JackpotMetric.EXPECTED_ACCEPTANCE), 1e-6);
        assertEquals(0.4, compute(k2().useTopkRenorm(false), batch).metric(JackpotMetric.EXPECTED_ACCEPTANCE), 1e-6);
    }

    @Test
    void unionMetricsAverageOverValidTokensOnly() {
        // Token 0 = the disjoint case without cross log-probs (union 4, ZERO), token 1 = the overlapping
        // ids (union 3), token 2 is padding. union_size_mean = (4 + 3)/2 = 3.5.
        JackpotBatch batch = Batches.of(1, 3).mask(1f, 1f, 0f).withTopK(2)
                .rolloutTopK(IdView.of(new int[] {1, 2, 1, 2, 1, 2}, new int[] {1, 3, 2}),
                        FloatView.of(p(0.5, 0.3, 0.5, 0.3, 0.5, 0.3), new int[] {1, 3, 2}))
                .targetLogProbsAtRolloutTopK(FloatView.of(p(0.2, 0.1, 0.2, 0.4, 0.2, 0.4), new int[] {1, 3, 2}))
                .targetTopK(IdView.of(new int[] {3, 4, 2, 3, 2, 3}, new int[] {1, 3, 2}),
                        FloatView.of(p(0.4, 0.2, 0.4, 0.3, 0.4, 0.3), new int[] {1, 3, 2}))
                .build();
        JackpotResult r = Jackpot.compute(k2().build(), batch);
        assertEquals(3.5, r.metric(JackpotMetric.UNION_SIZE_MEAN), 0.0);
        // Zapprox: token 0 = 0.3 (disjoint, ZERO); token 1 = 0.2 + 0.3 + 0 (id 3's q unknown, ZERO) = 0.5
        assertEquals(0.3, r.zApprox()[0], 1e-6);
        assertEquals(0.5, r.zApprox()[1], 1e-6);
        assertEquals(0f, r.zApprox()[2]);
        // z_approx_mean = (0.3 + 0.5)/2 = 0.4; rollout_mass = (0.8 + 0.8)/2 = 0.8;
        // target_mass = ((0.2 + 0.1 + 0.4 + 0.2) + (0.2 + 0.4 + 0.3))/2 = (0.9 + 0.9)/2 = 0.9
        assertEquals(0.4, r.metric(JackpotMetric.Z_APPROX_MEAN), 1e-6);
        assertEquals(0.8, r.metric(JackpotMetric.ROLLOUT_MASS), 1e-6);
        assertEquals(0.9, r.metric(JackpotMetric.TARGET_MASS), 1e-6);
    }

    /** Full vocabulary V = 3: q = {0.5, 0.3, 0.2}, p = {0.2, 0.4, 0.4}. */
    private static JackpotBatch fullVocab() {
        return JackpotBatch.builder(1, 1).step(0)
                .rolloutLogProbs(p(0.5)).logProbs(p(0.2)).oldLogProbs(p(0.2)).advantages(new float[] {1f})
                .uniforms(new float[] {0f})
                .fullVocabLogProbs(FloatView.of(p(0.5, 0.3, 0.2), new int[] {1, 1, 3}), FloatView.of(p(0.2, 0.4, 0.4), new int[] {1, 1, 3}))
                .build();
    }

    @Test
    void fullVocabularyGivesTheExactNormalizer() {
        // λ = 1: min(0.5, 0.2) + min(0.3, 0.4) + min(0.2, 0.4) = 0.2 + 0.3 + 0.2 = 0.7
        JackpotResult r = Jackpot.compute(JackpotConfig.builder().biasCorrection(false).build(), fullVocab());
        assertEquals(0.7, r.zApprox()[0], 1e-6);
        assertEquals(0.7, r.z()[0], 1e-6);
        // union = V = 3, and both masses are the full 1
        assertEquals(3.0, r.metric(JackpotMetric.UNION_SIZE_MEAN), 0.0);
        assertEquals(1.0, r.metric(JackpotMetric.ROLLOUT_MASS), 1e-6);
        assertEquals(1.0, r.metric(JackpotMetric.TARGET_MASS), 1e-6);
        // λ = 2: p/2 = {0.1, 0.2, 0.2}: 0.1 + 0.2 + 0.2 = 0.5
        assertEquals(0.5, Jackpot.compute(JackpotConfig.builder().lambda(2.0).build(), fullVocab()).zApprox()[0],
                1e-6);
    }

    @Test
    void fullVocabularyStillAppliesKappaWhenBiasCorrectionIsOn() {
        // One token, accepted (u = 0 < a = 0.4): κ = (1/1) / (0.7/1) = 1/0.7, Z = κ·0.7 = 1
        JackpotResult r = Jackpot.compute(JackpotConfig.defaults(), fullVocab());
        assertEquals(1 / 0.7, r.kappa(), 1e-6);
        assertEquals(1.0, r.z()[0], 1e-6);
    }
}
