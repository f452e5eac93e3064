package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The analytic ∂loss/∂ℓ_new of MATH.md §7 against central finite differences of the aggregated loss,
 * for every loss aggregation, with and without PPO clipping and with the dual clip. The target is
 * REFERENCE so that a_t, the mask, Z, κ and ρ_t — stop-gradient quantities — do not move when ℓ_new
 * does (§7: with LATEST they would have to be held fixed by hand).
 */
class GradientPropertiesTest {
    /** Step in ℓ_new; the float inputs make the actual step (ℓ+h) − (ℓ−h) slightly different, which is used. */
    private static final double STEP = 1e-3;
    /** Tokens whose perturbed ratio could cross a kink (clip, dual clip, ±20 clamp) are skipped, as are
     *  ℓ_new = −∞ (no neighbourhood) and ℓ_new so close to 0 that ℓ_new + h would be rejected as positive. */
    private static final double MARGIN = 3 * STEP;

    /** Compared tokens with a non-zero gradient, to make sure the property is not vacuous. */
    private int comparedNonZero;

    @Test
    void analyticGradientMatchesCentralDifferences() {
        comparedNonZero = 0;
        Generators.qt(0x5EED_0601L, 200)
                .forAll(Generators.specs(5, 8, 5, 20), Generators.configs(), longs().all())
                .checkAssert((spec, config0, pickSeed) -> {
                    SyntheticRollouts g = spec.generate();
                    SplittableRandom pick = new SplittableRandom(pickSeed);
                    int[] tokens = new int[Math.min(6, g.tokenCount())];
                    for (int i = 0; i < tokens.length; i++) {
                        tokens[i] = pick.nextInt(g.tokenCount());
                    }
                    for (LossAggMode agg : LossAggMode.values()) {
                        JackpotConfig config = Generators.withTopK(config0, g.k).toBuilder()
                                .target(Target.REFERENCE).lossAggMode(agg).build();
                        String where = spec + ", " + config + ", pick seed " + pickSeed;
                        JackpotResult base = loss(g, config);
                        for (int t : tokens) {
                            checkToken(g, config, base, t, where);
                        }
                    }
                });
        assertTrue(comparedNonZero >= 1000, "only " + comparedNonZero + " non-zero gradients were compared");
    }

    private static JackpotResult loss(SyntheticRollouts g, JackpotConfig config) {
        return Results.compute(config, g.batch(Target.REFERENCE, SyntheticRollouts.Inputs.TOP_K_CROSS),
                null, Execution.sequential());
    }

    private void checkToken(SyntheticRollouts g, JackpotConfig config, JackpotResult base, int t,
                                   String where) {
        float logProb = g.logProbs[t];
        if (!Float.isFinite(logProb) || logProb >= -MARGIN || nearKink(config, logProb, g.oldLogProbs[t])) {
            return;
        }
        float plus = (float) (logProb + STEP);
        float minus = (float) (logProb - STEP);
        g.logProbs[t] = plus;
        JackpotResult up = loss(g, config);
        g.logProbs[t] = minus;
        JackpotResult down = loss(g, config);
        g.logProbs[t] = logProb;
        double numeric = (up.loss() - down.loss()) / ((double) plus - minus);
        double analytic = base.gradLogProbs()[t];
        if (analytic != 0) {
            comparedNonZero++;
        }
        // Error budget: central differences err by h²/6·|L'''| = h²/6·|L'| (L_t ∝ e^ℓ on a smooth piece),
        // ~2e-7 relative; the float gradient is rounded to 6e-8 relative; the double loss sums lose
        // ~1e-16·Σ|loss_t| per evaluation, divided by 2h. 1e-5 relative plus 1e-10·(1 + Σ|loss_t|)
        // absolute is therefore ≥ 20x the expected error, and far below any real mistake (a wrong
        // aggregation coefficient or a missing ρ is an O(1) relative error).
        double scale = 1;
        for (float l : base.perTokenLoss()) {
            scale += Math.abs(l);
        }
        assertEquals(analytic, numeric, 1e-5 * Math.abs(analytic) + 1e-10 * scale,
                () -> where + ": token " + t + " (b=" + t / g.length + ", i=" + t % g.length + ", mask="
                        + base.acceptMask()[t] + ", valid=" + g.responseMask[t] + ", advantage=" + g.advantages[t]
                        + ", log_prob=" + logProb + ", old=" + g.oldLogProbs[t] + ", weight=" + base.weights()[t]
                        + "): analytic " + analytic + " vs central difference " + numeric);
        // The token's own derivative, before aggregation, against the difference of its float32 loss_t:
        // each loss_t is rounded to 6e-8 relative, so the difference of two of them over 2h errs by up
        // to ~6e-5·|loss_t|; 2e-4·|loss_t| is still far below a missing ρ, mask or sign (O(1) relative).
        double tokenNumeric = ((double) up.perTokenLoss()[t] - down.perTokenLoss()[t]) / ((double) plus - minus);
        double tokenAnalytic = base.perTokenGradient()[t];
        assertEquals(tokenAnalytic, tokenNumeric, 1e-5 * Math.abs(tokenAnalytic)
                        + 2e-4 * (Math.abs(up.perTokenLoss()[t]) + Math.abs(down.perTokenLoss()[t])) + 1e-30,
                () -> where + ": token " + t + ": per-token derivative " + tokenAnalytic + " vs central difference "
                        + tokenNumeric);
        if (config.lossAggMode() == LossAggMode.TOKEN_SUM) { // the aggregation's factor is 1
            assertEquals(base.gradLogProbs()[t], tokenAnalytic, 0.0, () -> where + ": token " + t);
        }
    }

    /** True when ℓ_new ± MARGIN could reach a point where L_t is not differentiable. */
    private static boolean nearKink(JackpotConfig config, float logProb, float oldLogProb) {
        if (oldLogProb == Float.NEGATIVE_INFINITY) {
            return false; // the log-ratio is +∞, clamped to 20 on both sides: derivative 0, difference 0
        }
        double x = (double) logProb - oldLogProb;
        if (Math.abs(Math.abs(x) - LogRatio.CLAMP) < MARGIN) {
            return true;
        }
        if (!config.ppoClip()) {
            return false;
        }
        double[] kinks = {Math.log(1 - config.clipRatioLow()), Math.log1p(config.clipRatioHigh()),
                Math.log(config.dualClip())};
        for (double k : kinks) {
            if (Math.abs(x - k) < MARGIN) {
                return true;
            }
        }
        return false;
    }
}
