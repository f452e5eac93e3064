package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every metric of MATH.md §10 on one small batch, computed by hand.
 *
 * <p>Defaults: λ = 1, c1 = 3, TIS with C = 2, ε = 0.2, c_dual = 3, SAMPLED bias correction, token-mean.
 * Four positions, the last one padding (its values are extreme on purpose and must not show anywhere):
 * <pre>
 *   t   p_inf  p_new  p_old   Â   Zapprox  u     ratio p_new/p_inf   a     Mask
 *   0   0.75   0.75   0.5     1   0.8      0     1                   1     1
 *   1   0.1    0.4    0.9     1   0.6      0     4                   1     1
 *   2   0.4    0.2    0.05   −1   0.1      0.75  0.5                 0.5   0   (0.75 ≥ 0.5)
 *   3   padding: p_inf = 0.01, p_new = 0.9, p_old = 0.001, Â = 5
 * </pre>
 * N = 3 valid tokens, 2 accepted.
 */
class MetricsTest {
    private static JackpotResult result() {
        JackpotBatch batch = Batches.of(1, 4).mask(1, 1, 1, 0)
                .rollout(0.75, 0.1, 0.4, 0.01)
                .current(0.75, 0.4, 0.2, 0.9)
                .old(0.5, 0.9, 0.05, 0.001)
                .advantages(1, 1, -1, 5)
                .zApprox(0.8, 0.6, 0.1, 1)
                .uniforms(0, 0, 0.75f, 0)
                .build();
        return Jackpot.compute(Batches.config().build(), batch);
    }

    @Test
    void acceptanceMetrics() {
        JackpotResult r = result();
        // acceptance_rate = 2/3; expected_acceptance = (1 + 1 + 0.5)/3 = 0.8333333
        assertEquals(2.0 / 3, r.metric(JackpotMetric.ACCEPTANCE_RATE), 1e-12);
        assertEquals(2.5 / 3, r.metric(JackpotMetric.EXPECTED_ACCEPTANCE), 1e-6);
        // z_approx_mean = (0.8 + 0.6 + 0.1)/3 = 0.5; κ = (2/3)/0.5 = 4/3; λ = 1
        assertEquals(0.5, r.metric(JackpotMetric.Z_APPROX_MEAN), 1e-6);
        assertEquals(4.0 / 3, r.metric(JackpotMetric.KAPPA), 1e-6);
        assertEquals(1.0, r.metric(JackpotMetric.LAMBDA), 0.0);
    }

    @Test
    void weightMetrics() {
        // Z = κ·Zapprox = {1.0666667, 0.8, 0.1333333}
        // w = Z·max(1, ratio) = {1.0666667·1, 0.8·4 = 3.2, 0.1333333·1}; 3.2 > c1 ⇒ obrs_clip_frac = 1/3
        // residual x = p_old/p_new = {0.5/0.75 = 2/3, 0.9/0.4 = 2.25, 0.05/0.2 = 0.25}: F = {2/3, 2, 0.25};
        //   2.25 > C = 2 ⇒ residual_clip_frac = 1/3
        // ρ = min(w, 3)·F = {1.0666667·2/3 = 0.7111111, 3·2 = 6, 0.1333333·0.25 = 0.0333333}
        JackpotResult r = result();
        assertArrayEquals(new float[] {0.7111111f, 6f, 0.0333333f, 0f}, r.weights(), 1e-6f);
        // the weight metrics are over the weights that act, the accepted tokens 0 and 1 (token 2: u = .75 ≥ a = .5):
        // weight_mean = (0.7111111 + 6)/2 = 3.3555556; max 6; min 0.7111111 (token 2's ρ and the padding's 0 left out)
        assertEquals(3.3555556, r.metric(JackpotMetric.WEIGHT_MEAN), 1e-6);
        assertEquals(6.0, r.metric(JackpotMetric.WEIGHT_MAX), 1e-6);
        assertEquals(0.7111111, r.metric(JackpotMetric.WEIGHT_MIN), 1e-6);
        assertEquals(1.0 / 3, r.metric(JackpotMetric.OBRS_CLIP_FRAC), 1e-12);
        assertEquals(1.0 / 3, r.metric(JackpotMetric.RESIDUAL_CLIP_FRAC), 1e-12);
    }

    @Test
    void effectiveSampleSizeOverAcceptedTokens() {
        // accepted ρ = {0.7111111, 6}: (Σρ)²/(n Σρ²) = 6.7111111²/(2·(0.5056790 + 36)) = 45.0390123/73.0113580
        //                                          = 0.6168768
        assertEquals(0.6168768, result().metric(JackpotMetric.ESS), 1e-6);
    }

    @Test
    void unionMetrics() {
        // The single-id union: size 1, rollout mass = q = Zapprox, target mass p = 1.
        JackpotResult r = result();
        assertEquals(1.0, r.metric(JackpotMetric.UNION_SIZE_MEAN), 0.0);
        assertEquals(0.5, r.metric(JackpotMetric.ROLLOUT_MASS), 1e-6);
        assertEquals(1.0, r.metric(JackpotMetric.TARGET_MASS), 0.0);
    }

    @Test
    void klEstimatorsBetweenRolloutAndTarget() {
        // Δ = ℓ_tgt − ℓ_inf = {0, ln 4, ln 0.5} = {0, 1.3862944, −0.6931472}
        // kl_k1 = mean(−Δ) = (0 − 1.3862944 + 0.6931472)/3 = −0.2310491
        // kl_k3 = mean(e^Δ − 1 − Δ) = (0 + (4 − 1 − 1.3862944) + (0.5 − 1 + 0.6931472))/3
        //       = (1.6137056 + 0.1931472)/3 = 0.6022843
        JackpotResult r = result();
        assertEquals(-0.2310491, r.metric(JackpotMetric.KL_K1), 1e-6);
        assertEquals(0.6022843, r.metric(JackpotMetric.KL_K3), 1e-6);
    }

    @Test
    void policyMetrics() {
        // r = p_new/p_old = {1.5, 0.4444444, 4}
        // t0: Â = 1, r = 1.5 > 1.2: clipped branch (L = −1.2)           → pg_clipfrac
        // t1: Â = 1, r = 0.444: L1 = −0.444 > L2 = −0.8: unclipped
        // t2: Â = −1, r = 4: L1 = 4 > L2 = 1.2, dual clip min(3, 4) = 3 → pg_clipfrac_lower (counted although rejected)
        JackpotResult r = result();
        assertEquals(1.0 / 3, r.metric(JackpotMetric.PG_CLIPFRAC), 1e-12);
        assertEquals(1.0 / 3, r.metric(JackpotMetric.PG_CLIPFRAC_LOWER), 1e-12);
        // ppo_kl = mean(ln(p_old/p_new)) = (ln(2/3) + ln 2.25 + ln 0.25)/3
        //        = (−0.4054651 + 0.8109302 − 1.3862944)/3 = −0.3269431
        assertEquals(-0.3269431, r.metric(JackpotMetric.PPO_KL), 1e-6);
    }

    @Test
    void lossOfTheSameBatch() {
        // accepted tokens only: (0.7111111·(−1.2) + 6·(−0.4444444))/2 = (−0.8533333 − 2.6666667)/2 = −1.76
        assertEquals(-1.76, result().loss(), 1e-5);
    }

    @Test
    void theMapHasEveryNameOfTheSpecInOrder() {
        List<String> names = new ArrayList<>(result().metrics().keySet());
        assertEquals(List.of("jackpot/acceptance_rate", "jackpot/expected_acceptance", "jackpot/z_approx_mean",
                "jackpot/kappa", "jackpot/lambda", "jackpot/weight_mean", "jackpot/weight_max", "jackpot/weight_min",
                "jackpot/obrs_clip_frac", "jackpot/residual_clip_frac", "jackpot/union_size_mean",
                "jackpot/rollout_mass", "jackpot/target_mass", "jackpot/kl_k1", "jackpot/kl_k3", "jackpot/ess",
                "actor/pg_clipfrac", "actor/pg_clipfrac_lower", "actor/ppo_kl"), names);
        assertEquals(4.0 / 3, result().metrics().get("jackpot/kappa"), 1e-6);
    }
}
