package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * verl's five {@code loss_agg_mode}s over the loss mask m = response_mask·Mask (MATH.md §7), with
 * local and global denominators.
 *
 * <p>The 2×3 batch (bias correction off, λ = 1, ℓ_old = ℓ_new so r = 1 and L = −Â; F(1) = 1):
 * <pre>
 *   row 0: three valid tokens, all accepted: Z = {1, 0.5, 1}, Â = {1, 2, 3}, ratio 1 ⇒ ρ = Z
 *          loss = ρ·(−Â) = {−1, −1, −3}, row sum −5, 3 accepted
 *   row 1: token 0 valid, accepted: Z = 1, Â = −6 ⇒ loss = 6
 *          token 1 valid, rejected: ℓ_inf = ln 0.4, ℓ_tgt = ln 0.2 ⇒ a = 0.5, u = 0.9 ≥ 0.5 ⇒ loss 0
 *          token 2 padding
 *          row sum 6, 1 accepted
 *   Σ loss = 1, Σ m = 4, S = 2 sequences with an accepted token, T = 3
 * </pre>
 */
class LossAggregationTest {
    private static final float[] MASK = {1, 1, 1, 1, 1, 0};
    private static final double[] ROLLOUT = {0.5, 0.5, 0.5, 0.5, 0.4, 0.5};
    private static final double[] TARGET = {0.5, 0.5, 0.5, 0.5, 0.2, 0.5};
    private static final double[] Z = {1, 0.5, 1, 1, 1, 1};
    private static final float[] ADVANTAGES = {1, 2, 3, -6, 5, 0};
    private static final float[] UNIFORMS = {0, 0, 0, 0, 0.9f, 0};

    private static JackpotBatch rows(int from, int to) {
        int a = from * 3;
        int b = to * 3;
        return Batches.of(to - from, 3)
                .mask(Arrays.copyOfRange(MASK, a, b))
                .rollout(Arrays.copyOfRange(ROLLOUT, a, b))
                .currentAndOld(Arrays.copyOfRange(TARGET, a, b))
                .zApprox(Arrays.copyOfRange(Z, a, b))
                .advantages(Arrays.copyOfRange(ADVANTAGES, a, b))
                .uniforms(Arrays.copyOfRange(UNIFORMS, a, b))
                .builder().sequenceOffset(from).build();
    }

    private static JackpotConfig config(LossAggMode mode) {
        return Batches.config().biasCorrection(false).lossAggMode(mode).build();
    }

    private static double loss(LossAggMode mode) {
        JackpotResult r = Jackpot.compute(config(mode), rows(0, 2));
        // The per-token loss is reported before aggregation, the same in every mode.
        assertArrayEquals(new float[] {-1, -1, -3, 6, 0, 0}, r.perTokenLoss(), 1e-6f, mode.key());
        assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0}, r.acceptMask(), 0f, mode.key());
        return r.loss();
    }

    @Test
    void tokenMeanDividesByAcceptedTokens() {
        // Σ loss / Σ m = 1/4
        assertEquals(0.25, loss(LossAggMode.TOKEN_MEAN), 1e-6);
    }

    @Test
    void tokenSumIsTheSum() {
        assertEquals(1.0, loss(LossAggMode.TOKEN_SUM), 1e-6);
    }

    @Test
    void seqMeanTokenSumAveragesRowSums() {
        // (−5 + 6)/2 = 0.5
        assertEquals(0.5, loss(LossAggMode.SEQ_MEAN_TOKEN_SUM), 1e-6);
    }

    @Test
    void seqMeanTokenMeanAveragesRowMeans() {
        // (−5/3 + 6/1)/2 = 13/6: the rejected token leaves row 1's denominator
        assertEquals(13.0 / 6, loss(LossAggMode.SEQ_MEAN_TOKEN_MEAN), 1e-6);
    }

    @Test
    void seqMeanTokenSumNormDividesByTOrTheScaleFactor() {
        // Σ loss / T = 1/3
        assertEquals(1.0 / 3, loss(LossAggMode.SEQ_MEAN_TOKEN_SUM_NORM), 1e-6);
        // loss_scale_factor = 8: 1/8
        JackpotConfig scaled = Batches.config().biasCorrection(false).lossAggMode(LossAggMode.SEQ_MEAN_TOKEN_SUM_NORM)
                .lossScaleFactor(8.0).build();
        assertEquals(0.125, Jackpot.compute(scaled, rows(0, 2)).loss(), 1e-6);
    }

    @Test
    void globalStatisticsMakeMicroBatchLossesAddUpToTheWholeBatch() {
        JackpotConfig tokenMean = config(LossAggMode.TOKEN_MEAN);
        BatchStatistics global = Jackpot.statistics(tokenMean, rows(0, 1))
                .merge(Jackpot.statistics(tokenMean, rows(1, 2)));
        // {N, Σ Mask, Σ a, Σ Zapprox, S} = {5, 4, 1+1+1+1+0.5, 1+0.5+1+1+1, 2}
        assertArrayEquals(new double[] {5, 4, 4.5, 4.5, 2}, global.toArray(), 1e-6);

        // token-mean with Σ m = 4: row 0 gives −5/4, row 1 gives 6/4; together 1/4
        assertEquals(-1.25, Jackpot.compute(tokenMean, rows(0, 1), global).loss(), 1e-6);
        assertEquals(1.5, Jackpot.compute(tokenMean, rows(1, 2), global).loss(), 1e-6);
        // ...whereas row 0 alone with its local denominator 3 gives −5/3
        assertEquals(-5.0 / 3, Jackpot.compute(tokenMean, rows(0, 1)).loss(), 1e-6);

        // seq-mean-token-sum with S = 2: −5/2 and 6/2
        JackpotConfig seqSum = config(LossAggMode.SEQ_MEAN_TOKEN_SUM);
        assertEquals(-2.5, Jackpot.compute(seqSum, rows(0, 1), global).loss(), 1e-6);
        assertEquals(3.0, Jackpot.compute(seqSum, rows(1, 2), global).loss(), 1e-6);

        // seq-mean-token-mean with S = 2 (row means stay local): (−5/3)/2 and (6/1)/2; together 13/6
        JackpotConfig seqMean = config(LossAggMode.SEQ_MEAN_TOKEN_MEAN);
        assertEquals(-5.0 / 6, Jackpot.compute(seqMean, rows(0, 1), global).loss(), 1e-6);
        assertEquals(3.0, Jackpot.compute(seqMean, rows(1, 2), global).loss(), 1e-6);
    }

    @Test
    void anAllPaddingBatchHasZeroLossZeroGradientAndFiniteMetrics() {
        JackpotBatch empty = Batches.of(2, 3).mask(new float[6]).build();
        for (LossAggMode mode : LossAggMode.values()) {
            assertAllZeroAndFinite(Jackpot.compute(config(mode), empty), mode);
        }
    }

    @Test
    void anAllRejectedBatchHasZeroLossZeroGradientAndFiniteMetrics() {
        // a = 0.2/0.4 = 0.5 everywhere, u = 0.9: nothing accepted although every token is valid.
        float[] u = new float[6];
        Arrays.fill(u, 0.9f);
        JackpotBatch rejected = Batches.of(2, 3).rollout(0.4, 0.4, 0.4, 0.4, 0.4, 0.4)
                .currentAndOld(0.2, 0.2, 0.2, 0.2, 0.2, 0.2).uniforms(u).build();
        for (LossAggMode mode : LossAggMode.values()) {
            JackpotResult r = Jackpot.compute(config(mode), rejected);
            assertAllZeroAndFinite(r, mode);
            assertEquals(0.0, r.metric(JackpotMetric.ESS), 0.0, "ESS over no accepted token");
        }
    }

    private static void assertAllZeroAndFinite(JackpotResult r, LossAggMode mode) {
        assertEquals(0.0, r.loss(), 0.0, mode.key());
        assertArrayEquals(new float[6], r.gradLogProbs(), 0f, mode.key());
        assertArrayEquals(new float[6], r.perTokenLoss(), 0f, mode.key());
        for (Map.Entry<String, Double> m : r.metrics().entrySet()) {
            assertTrue(Double.isFinite(m.getValue()), mode.key() + " " + m.getKey() + " = " + m.getValue());
        }
    }
}
