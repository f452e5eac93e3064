package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The analytic ∂loss/∂ℓ_new (MATH.md §7): per token, coefficient·m·ρ·∂L/∂ℓ_new, where the coefficient
 * is the derivative of the aggregation with respect to loss_t.
 *
 * <p>The 2×3 batch (bias correction off, λ = 1, F = 1, ε = 0.2; ℓ_inf = ℓ_new unless said, so the OBRS ratio
 * is 1 and w = Z):
 * <pre>
 *   token  p_old → p_new   r     Â   Z=ρ   m   ∂L/∂ℓ_new            m·ρ·∂L
 *   (0,0)  0.5 → 0.55     1.1    2   0.5   1   −Â r = −2.2          −1.1
 *   (0,1)  0.5 → 0.45     0.9   −1   1     1   −Â r = 0.9           0.9
 *   (0,2)  0.4 → 0.6      1.5    1   1     1   0 (clipped at 1.2)   0
 *   (1,0)  0.2 → 0.2, ℓ_inf = ln 0.4: a = 0.5, u = 0.9 rejected      0
 *   (1,1)  0.5 → 0.55     1.1   −2   0.8   1   −Â r = 2.2           1.76
 *   (1,2)  padding                                                  0
 *   Σ m = 4, S = 2, row 0 has 3 accepted tokens and row 1 has 1, T = 3
 * </pre>
 */
class GradientTest {
    private static JackpotBatch batch() {
        return Batches.of(2, 3).mask(1, 1, 1, 1, 1, 0)
                .old(0.5, 0.5, 0.4, 0.2, 0.5, 0.5)
                .current(0.55, 0.45, 0.6, 0.2, 0.55, 0.5)
                .rollout(0.55, 0.45, 0.6, 0.4, 0.55, 0.5)
                .advantages(2, -1, 1, 3, -2, 0)
                .zApprox(0.5, 1, 1, 1, 0.8, 1)
                .uniforms(0, 0, 0, 0.9f, 0, 0)
                .build();
    }

    private static float[] gradient(JackpotConfig.Builder config) {
        JackpotResult r = Jackpot.compute(config.biasCorrection(false).rolloutIs(RolloutIs.NONE)
                .build(), batch());
        assertArrayEquals(new float[] {1, 1, 1, 0, 1, 0}, r.acceptMask(), 0f);
        return r.gradLogProbs();
    }

    private static JackpotConfig.Builder mode(LossAggMode mode) {
        return Batches.config().lossAggMode(mode);
    }

    @Test
    void tokenMean() {
        // coefficient 1/Σm = 1/4
        assertArrayEquals(new float[] {-1.1f / 4, 0.9f / 4, 0, 0, 1.76f / 4, 0},
                gradient(mode(LossAggMode.TOKEN_MEAN)), 1e-6f);
    }

    @Test
    void tokenSum() {
        // coefficient 1
        assertArrayEquals(new float[] {-1.1f, 0.9f, 0, 0, 1.76f, 0}, gradient(mode(LossAggMode.TOKEN_SUM)), 1e-6f);
    }

    @Test
    void seqMeanTokenSum() {
        // coefficient 1/S = 1/2
        assertArrayEquals(new float[] {-0.55f, 0.45f, 0, 0, 0.88f, 0},
                gradient(mode(LossAggMode.SEQ_MEAN_TOKEN_SUM)), 1e-6f);
    }

    @Test
    void seqMeanTokenMean() {
        // row 0: 1/(S·3) = 1/6; row 1: 1/(S·1) = 1/2
        assertArrayEquals(new float[] {-1.1f / 6, 0.9f / 6, 0, 0, 0.88f, 0},
                gradient(mode(LossAggMode.SEQ_MEAN_TOKEN_MEAN)), 1e-6f);
    }

    @Test
    void seqMeanTokenSumNorm() {
        // coefficient 1/T = 1/3
        assertArrayEquals(new float[] {-1.1f / 3, 0.3f, 0, 0, 1.76f / 3, 0},
                gradient(mode(LossAggMode.SEQ_MEAN_TOKEN_SUM_NORM)), 1e-6f);
        // loss_scale_factor = 5: coefficient 1/5
        assertArrayEquals(new float[] {-0.22f, 0.18f, 0, 0, 0.352f, 0},
                gradient(mode(LossAggMode.SEQ_MEAN_TOKEN_SUM_NORM).lossScaleFactor(5.0)), 1e-6f);
    }

    @Test
    void globalDenominatorsEnterTheCoefficient() {
        // token-mean with a global Σ m of 10 (as if other ranks held 6 more accepted tokens): coefficient 1/10
        BatchStatistics global = BatchStatistics.fromArray(new double[] {12, 10, 10, 10, 4});
        JackpotResult r = Jackpot.compute(Batches.config().biasCorrection(false)
                .rolloutIs(RolloutIs.NONE).build(), batch(), global);
        assertArrayEquals(new float[] {-0.11f, 0.09f, 0, 0, 0.176f, 0}, r.gradLogProbs(), 1e-6f);
    }

    @Test
    void analyticGradientMatchesCentralDifferencesWithTheReferenceTarget() {
        // With target = REFERENCE nothing but r_t depends on ℓ_new (a, Z, κ and ρ read ℓ_old), so the
        // scalar loss can be differentiated numerically. Every token is away from its clip boundaries.
        JackpotConfig config = Batches.config().target(Target.REFERENCE).build();
        JackpotBatch base = batch();
        float[] logProbs = Batches.of(2, 3).current(0.55, 0.45, 0.6, 0.2, 0.55, 0.5).logProbs;
        float[] analytic = Jackpot.compute(config, base).gradLogProbs();
        for (int t = 0; t < 6; t++) {
            float[] up = logProbs.clone();
            float[] down = logProbs.clone();
            up[t] += 1e-3f;
            down[t] -= 1e-3f;
            double step = (double) up[t] - down[t]; // the float step actually taken
            double numeric = (loss(config, up) - loss(config, down)) / step;
            assertEquals(numeric, analytic[t], 1e-5, "token " + t);
        }
    }

    private static double loss(JackpotConfig config, float[] logProbs) {
        JackpotBatch b = Batches.of(2, 3).mask(1, 1, 1, 1, 1, 0)
                .old(0.5, 0.5, 0.4, 0.2, 0.5, 0.5)
                .logProbs(logProbs)
                .rollout(0.55, 0.45, 0.6, 0.4, 0.55, 0.5)
                .advantages(2, -1, 1, 3, -2, 0)
                .zApprox(0.5, 1, 1, 1, 0.8, 1)
                .uniforms(0, 0, 0, 0.9f, 0, 0)
                .build();
        return Jackpot.compute(config, b).loss();
    }
}
