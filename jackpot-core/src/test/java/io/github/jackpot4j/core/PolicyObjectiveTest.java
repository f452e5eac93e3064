package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The per-token PPO objective of MATH.md §7, through {@link Jackpot#compute}. The baseline path with
 * {@code rollout_is = none} makes ρ = 1 and Mask = 1, and {@code token-sum} makes the aggregation
 * coefficient 1, so {@code perTokenLoss} is L_t and {@code gradLogProbs} is ∂L_t/∂ℓ_new.
 */
class PolicyObjectiveTest {
    private static JackpotConfig.Builder plainPpo() {
        return JackpotConfig.builder().useJackpot(false).rolloutIs(RolloutIs.NONE)
                .lossAggMode(LossAggMode.TOKEN_SUM);
    }

    /**
     * Seven tokens, ε = 0.2 (clip range [0.8, 1.2]), c_dual = 3. r = p_new/p_old:
     * <pre>
     *   token  p_old → p_new   r     Â   L1 = −Â r  L2 = −Â clip(r)  max      dual          L      ∂L/∂ℓ
     *   a      0.5 → 0.55     1.1    2   −2.2       −2.2             −2.2     −             −2.2   −2.2
     *   b      0.4 → 0.6      1.5    2   −3.0       −2.4             −2.4 (c) −             −2.4    0
     *   c      0.4 → 0.2      0.5    2   −1.0       −1.6             −1.0     −             −1.0   −1.0
     *   d      0.4 → 0.2      0.5   −1    0.5        0.8              0.8 (c) min(3, 0.8)    0.8    0
     *   e      0.5 → 0.55     1.1   −1    1.1        1.1              1.1     min(3, 1.1)    1.1    1.1
     *   f      0.2 → 0.8      4.0   −1    4.0        1.2              4.0     min(3, 4) (d)  3.0    0
     *   g      0.4 → 0.6      1.5   −1    1.5        1.2              1.5     min(3, 1.5)    1.5    1.5
     * </pre>
     * (c) = clipped branch active, (d) = dual clip active. ∂L/∂ℓ_new of −Â r is −Â r (dr/dℓ = r), and 0
     * where a clip bound is the active branch.
     */
    private static final double[] OLD = {0.5, 0.4, 0.4, 0.4, 0.5, 0.2, 0.4};
    private static final double[] NEW = {0.55, 0.6, 0.2, 0.2, 0.55, 0.8, 0.6};
    private static final float[] ADVANTAGES = {2, 2, 2, -1, -1, -1, -1};

    private static JackpotBatch sevenTokens() {
        return Batches.of(1, 7).old(OLD).current(NEW).rollout(NEW).advantages(ADVANTAGES).buildWithoutTopK();
    }

    @Test
    void clippedObjectiveWithDualClip() {
        JackpotResult r = Jackpot.compute(plainPpo().build(), sevenTokens());
        assertArrayEquals(new float[] {-2.2f, -2.4f, -1.0f, 0.8f, 1.1f, 3.0f, 1.5f}, r.perTokenLoss(), 1e-5f);
        assertArrayEquals(new float[] {-2.2f, 0f, -1.0f, 0f, 1.1f, 0f, 1.5f}, r.gradLogProbs(), 1e-5f);
        // token-sum: −2.2 − 2.4 − 1.0 + 0.8 + 1.1 + 3.0 + 1.5 = 0.8
        assertEquals(0.8, r.loss(), 1e-5);
    }

    @Test
    void clipFractionsCountTheActiveBranches() {
        JackpotResult r = Jackpot.compute(plainPpo().build(), sevenTokens());
        // clipped branch at b and d: 2/7; dual clip at f: 1/7
        assertEquals(2.0 / 7, r.metric(JackpotMetric.PG_CLIPFRAC), 1e-12);
        assertEquals(1.0 / 7, r.metric(JackpotMetric.PG_CLIPFRAC_LOWER), 1e-12);
    }

    @Test
    void ppoKlIsTheMeanOfOldMinusNewLogProbs() {
        // mean(ℓ_old − ℓ_new) = −mean(ln r) = −(2 ln 1.1 + 2 ln 1.5 + 2 ln 0.5 + ln 4)/7
        //                     = −(2·0.0953102 + 2·0.4054651 + 0)/7 = −1.0015506/7 = −0.1430787
        JackpotResult r = Jackpot.compute(plainPpo().build(), sevenTokens());
        assertEquals(-0.1430787, r.metric(JackpotMetric.PPO_KL), 1e-6);
    }

    @Test
    void aLargerDualClipBoundLetsTheUnclippedLossThrough() {
        // c_dual = 5: token f keeps L = min(5, 4) = 4 and its gradient −Â r = 4; no dual clip anywhere
        JackpotResult r = Jackpot.compute(plainPpo().dualClip(5.0).build(), sevenTokens());
        assertEquals(4.0, r.perTokenLoss()[5], 1e-5);
        assertEquals(4.0, r.gradLogProbs()[5], 1e-5);
        assertEquals(0.0, r.metric(JackpotMetric.PG_CLIPFRAC_LOWER), 0.0);
    }

    @Test
    void noClipVariantIsMinusAdvantageTimesRatio() {
        // L = −Â r = {−2.2, −3.0, −1.0, 0.5, 1.1, 4.0, 1.5}, and so is the gradient
        JackpotResult r = Jackpot.compute(plainPpo().ppoClip(false).build(), sevenTokens());
        float[] expected = {-2.2f, -3.0f, -1.0f, 0.5f, 1.1f, 4.0f, 1.5f};
        assertArrayEquals(expected, r.perTokenLoss(), 1e-5f);
        assertArrayEquals(expected, r.gradLogProbs(), 1e-5f);
        assertEquals(0.0, r.metric(JackpotMetric.PG_CLIPFRAC), 0.0);
        assertEquals(0.0, r.metric(JackpotMetric.PG_CLIPFRAC_LOWER), 0.0);
    }

    @Test
    void asymmetricClipRangeUsesClipRatioHighAboveOne() {
        // p_old = 0.4 → p_new = 0.5: r = 1.25, Â = 2.
        JackpotBatch batch = Batches.of(1, 1).old(0.4).current(0.5).rollout(0.5).advantages(2f).buildWithoutTopK();
        // ε = 0.2: r > 1.2, L = max(−2.5, −2·1.2) = −2.4, clipped, gradient 0
        JackpotResult symmetric = Jackpot.compute(plainPpo().build(), batch);
        assertEquals(-2.4, symmetric.perTokenLoss()[0], 1e-5);
        assertEquals(0.0, symmetric.gradLogProbs()[0], 0.0);
        // ε_high = 0.28: r = 1.25 < 1.28, L = −2·1.25 = −2.5, gradient −2.5
        JackpotResult dapo = Jackpot.compute(plainPpo().clipRatioHigh(0.28).build(), batch);
        assertEquals(-2.5, dapo.perTokenLoss()[0], 1e-5);
        assertEquals(-2.5, dapo.gradLogProbs()[0], 1e-5);
    }

    @Test
    void asymmetricClipRangeUsesClipRatioLowBelowOne() {
        // p_old = 0.5 → p_new = 0.35: r = 0.7, Â = −1.
        JackpotBatch batch = Batches.of(1, 1).old(0.5).current(0.35).rollout(0.35).advantages(-1f).buildWithoutTopK();
        // ε_low = 0.2: L = max(0.7, 0.8) = 0.8, clipped, gradient 0
        assertEquals(0.8, Jackpot.compute(plainPpo().build(), batch).perTokenLoss()[0], 1e-5);
        // ε_low = 0.4: clip(0.7, 0.6, 1.2) = 0.7, L = 0.7, gradient −Â r = 0.7
        JackpotResult wide = Jackpot.compute(plainPpo().clipRatioLow(0.4).build(), batch);
        assertEquals(0.7, wide.perTokenLoss()[0], 1e-5);
        assertEquals(0.7, wide.gradLogProbs()[0], 1e-5);
    }

    /** ℓ_new − ℓ_old = +25, −25 and +19 (Â = 1 throughout). */
    private static JackpotBatch extremeRatios() {
        return Batches.of(1, 3).oldLogProbs(-30f, -5f, -29f).logProbs(-5f, -30f, -10f).rolloutLogProbs(-5f, -30f, -10f)
                .buildWithoutTopK();
    }

    @Test
    void theClampAtTwentyBoundsTheRatioAndStopsTheGradient() {
        // no clip: r = exp(clamp(25)) = e^20 = 4.8516520e8, L = −e^20; r = exp(clamp(−25)) = e^−20 = 2.0611536e−9;
        // inside the clamp, r = e^19 = 1.7848230e8 and the gradient is −Â r = −e^19.
        JackpotResult r = Jackpot.compute(plainPpo().ppoClip(false).build(), extremeRatios());
        assertEquals(-4.8516520e8, r.perTokenLoss()[0], 1e2);
        assertEquals(-2.0611536e-9, r.perTokenLoss()[1], 1e-15);
        assertEquals(-1.7848230e8, r.perTokenLoss()[2], 1e2);
        assertArrayEquals(new float[] {0f, 0f, -1.7848230e8f}, r.gradLogProbs(), 1e2f);
        // ppo_kl = mean(clamp(ℓ_old − ℓ_new)) = (−20 + 20 − 19)/3 = −19/3
        assertEquals(-19.0 / 3, r.metric(JackpotMetric.PPO_KL), 1e-6);
    }

    @Test
    void theClampedRatioIsClippedAsUsualWithPpoClip() {
        // r = e^20 > 1.2 with Â = 1: L = max(−e^20, −1.2) = −1.2, gradient 0
        JackpotResult r = Jackpot.compute(plainPpo().build(), extremeRatios());
        assertEquals(-1.2, r.perTokenLoss()[0], 1e-6);
        assertEquals(0.0, r.gradLogProbs()[0], 0.0);
    }
}
