package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * The OBRS rejection test of MATH.md §3 on large consistent batches: the sampled acceptance rate
 * concentrates around the mean acceptance, and every token's mask is the documented u_t &lt; a_t.
 */
class AcceptancePropertiesTest {

    /**
     * a_t = min(1, exp(ℓ_tgt − ℓ_inf)/λ) from the float inputs, with (−∞) − (−∞) = 0 (docs/math.md).
     * Multiplying by 1/λ, as the kernel does, keeps the u_t &lt; a_t comparison bit-identical.
     */
    static double acceptance(float targetLogProb, float rolloutLogProb, double lambda) {
        double delta = targetLogProb == rolloutLogProb ? 0.0 : (double) targetLogProb - rolloutLogProb;
        return Math.min(1.0, Math.exp(delta) * (1.0 / lambda));
    }

    @Test
    void acceptanceRateConcentratesAroundTheMeanAcceptance() {
        // ~20k valid tokens per example. Mask_t are independent Bernoulli(a_t) given the batch (u_t
        // behaves as iid uniform), so Σ Mask − Σ a has standard deviation sqrt(Σ a(1−a)): 4 sigma.
        Generators.qt(0x5EED_0401L, 10)
                .forAll(longs().all(), doubles().between(0, 3), doubles().between(-1.5, 1.5).map(Math::exp),
                        Generate.enumValues(Target.class))
                .checkAssert((seed, noise, lambda, target) -> {
                    SyntheticRollouts.Spec spec = SyntheticRollouts.builder().seed(seed).batchSize(100).length(240).vocabSize(8).topK(3)
                            .logitScale(1.5).mismatch(noise).padFraction(0.3).maskedProb(0.05).spec();
                    SyntheticRollouts g = spec.generate();
                    JackpotConfig config = JackpotConfig.builder().topK(3).lambda(lambda).target(target)
                            .seed(seed ^ 0x9E3779B97F4A7C15L).build();
                    JackpotResult r = Jackpot.compute(config, g.batch(target, SyntheticRollouts.Inputs.TOP_K));
                    float[] targetLp = g.targetLogProbs(target);
                    double n = 0;
                    double sumA = 0;
                    double variance = 0;
                    double accepted = 0;
                    for (int t = 0; t < g.tokenCount(); t++) {
                        if (g.responseMask[t] == 0f) {
                            continue;
                        }
                        double a = acceptance(targetLp[t], g.rolloutLogProbs[t], lambda);
                        n++;
                        sumA += a;
                        variance += a * (1 - a);
                        accepted += r.acceptMask()[t];
                    }
                    String where = spec + ", lambda=" + lambda + ", target=" + target + ", jackpot_seed="
                            + config.seed() + ", N=" + n;
                    double expected = sumA / n;
                    double rate = accepted / n;
                    assertTrue(n > 15000, where);
                    assertEquals(expected, r.metric(JackpotMetric.EXPECTED_ACCEPTANCE), 1e-12 * expected,
                            () -> where + ": expected_acceptance != mean a");
                    assertEquals(rate, r.metric(JackpotMetric.ACCEPTANCE_RATE), 1e-15,
                            () -> where + ": acceptance_rate != mean mask");
                    double bound = 4 * Math.sqrt(variance) / n;
                    assertTrue(Math.abs(rate - expected) <= bound, () -> where + ": acceptance rate " + rate
                            + " is more than 4 sigma (" + bound + ") from the mean acceptance " + expected);
                });
    }

    @Test
    void everyMaskIsTheCounterBasedDrawAgainstTheAcceptance() {
        // Mask_t = [u_t < a_t] with u_t = RejectionUniforms.uniform(seed, sequenceOffset + b, i); padding 0.
        Generators.qt(0x5EED_0402L, 400)
                .forAll(Generators.specs(8, 16, 5, 30), Generators.configs(), longs().between(0, 1L << 40))
                .checkAssert((spec, config0, offset) -> {
                    SyntheticRollouts g = spec.generate();
                    JackpotConfig config = Generators.withTopK(config0, g.k);
                    SyntheticRollouts.TopKLists top = g.topK(config.target());
                    JackpotBatch shifted = JackpotBatch.builder(g.batchSize, g.length, g.k).step(0).vocabSize(g.vocabSize)
                            .sequenceOffset(offset).responseMask(g.responseMask).rolloutLogProbs(g.rolloutLogProbs)
                            .oldLogProbs(g.oldLogProbs).logProbs(g.logProbs).advantages(g.advantages)
                            .rolloutTopK(top.rolloutIds, top.rolloutLogProbs).targetTopK(top.targetIds, top.targetLogProbs)
                            .targetLogProbsAtRolloutTopK(top.targetAtRollout).rolloutLogProbsAtTargetTopK(top.rolloutAtTarget)
                            .build();
                    JackpotResult r = Jackpot.compute(config, shifted);
                    float[] targetLp = g.targetLogProbs(config.target());
                    for (int b = 0; b < g.batchSize; b++) {
                        for (int i = 0; i < g.length; i++) {
                            int t = b * g.length + i;
                            float expected;
                            if (g.responseMask[t] == 0f) {
                                expected = 0f;
                            } else if (!config.useJackpot()) {
                                expected = 1f;
                            } else {
                                double a = acceptance(targetLp[t], g.rolloutLogProbs[t], r.metric(JackpotMetric.LAMBDA));
                                expected = RejectionUniforms.uniform(config.seed(), 0, offset + b, i) < a ? 1f : 0f;
                            }
                            final int row = b;
                            final int position = i;
                            assertEquals(expected, r.acceptMask()[t], () -> spec + ", " + config + ", offset=" + offset
                                    + ": mask[" + row + "," + position + "]");
                        }
                    }
                });
    }
}
