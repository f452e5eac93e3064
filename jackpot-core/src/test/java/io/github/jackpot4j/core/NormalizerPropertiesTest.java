package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.doubles;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * The top-k union normalizer against the exact one (MATH.md §4) on the same consistent batches:
 * Zapprox ≤ Z with {@code missing_rollout_prob = ZERO} (with or without the cross log-probs), and
 * BOUND ≥ ZERO; the full-vocabulary mode's Z equals a test-side sum over V.
 */
class NormalizerPropertiesTest {

    private static JackpotResult compute(SyntheticRollouts g, Target target, SyntheticRollouts.Inputs mode,
                                         double lambda, MissingRolloutProb missing, boolean latestLogits) {
        JackpotConfig config = JackpotConfig.builder().topK(g.k).lambda(lambda).target(target)
                .biasCorrection(false).missingRolloutProb(missing).useLatestLogits(latestLogits).build();
        return Results.compute(config, g.batch(target, mode), null, Execution.sequential());
    }

    @Test
    void unionNormalizerNeverExceedsTheExactOneAndBoundNeverFallsBelowZero() {
        Generators.qt(0x5EED_0301L, 600)
                .forAll(Generators.specs(6, 10, 5, 40), doubles().between(-2, 2).map(Math::exp),
                        Generate.enumValues(Target.class))
                .checkAssert((spec, lambda, target) -> {
                    SyntheticRollouts g = spec.generate();
                    String where = spec + ", lambda=" + lambda + ", target=" + target;
                    float[] exact = compute(g, target, SyntheticRollouts.Inputs.FULL_VOCAB, lambda,
                            MissingRolloutProb.ZERO, true).zApprox();
                    float[] zero = compute(g, target, SyntheticRollouts.Inputs.TOP_K, lambda,
                            MissingRolloutProb.ZERO, true).zApprox();
                    float[] bound = compute(g, target, SyntheticRollouts.Inputs.TOP_K, lambda,
                            MissingRolloutProb.BOUND, true).zApprox();
                    float[] cross = compute(g, target, SyntheticRollouts.Inputs.TOP_K_CROSS, lambda,
                            MissingRolloutProb.ZERO, true).zApprox();
                    // jackpot_use_latest_logits = false must ignore the cross log-probs even when present.
                    float[] crossIgnored = compute(g, target, SyntheticRollouts.Inputs.TOP_K_CROSS, lambda,
                            MissingRolloutProb.ZERO, false).zApprox();
                    float[] targetFull = g.targetVocabLogProbs(target);
                    for (int t = 0; t < g.tokenCount(); t++) {
                        final int token = t;
                        if (g.responseMask[t] == 0f) {
                            assertTrue(exact[t] == 0f && zero[t] == 0f && bound[t] == 0f && cross[t] == 0f,
                                    () -> where + ": padding token " + token + " has a normalizer");
                            continue;
                        }
                        double z = 0;
                        for (int x = 0; x < g.vocabSize; x++) {
                            z += Math.min(Math.exp(g.rolloutVocabLogProbs[t * g.vocabSize + x]),
                                    Math.exp(targetFull[t * g.vocabSize + x]) / lambda);
                        }
                        // exact[t] is z rounded to float: within half an ulp, allow one.
                        assertEquals(z, exact[t], Math.ulp((float) z), () -> where + ": exact Z at token " + token);
                        // The union is a subset of V with non-negative terms, so Zapprox <= Z in exact
                        // arithmetic; both are float roundings of double sums in different orders, so
                        // allow one float ulp of Z.
                        float ceiling = Math.nextUp(exact[t]);
                        assertTrue(zero[t] <= ceiling, () -> where + ": ZERO Zapprox " + zero[token]
                                + " > exact Z " + exact[token] + " at token " + token);
                        assertTrue(cross[t] <= ceiling, () -> where + ": Zapprox with cross log-probs "
                                + cross[token] + " > exact Z " + exact[token] + " at token " + token);
                        // Same union, same order, each term at least as large: float sums are monotone.
                        assertTrue(bound[t] >= zero[t], () -> where + ": BOUND " + bound[token] + " < ZERO "
                                + zero[token] + " at token " + token);
                        assertTrue(cross[t] >= zero[t], () -> where + ": cross " + cross[token] + " < ZERO "
                                + zero[token] + " at token " + token);
                        assertEquals(zero[t], crossIgnored[t],
                                () -> where + ": use_latest_logits=false still read the cross log-probs at " + token);
                    }
                });
    }

    @Test
    void fullTopKEqualsTheExactNormalizer() {
        // With k = V both top-k lists hold the whole vocabulary, the union is V, and the union
        // normalizer (with or without cross log-probs) is the exact Z up to summation order.
        Generators.qt(0x5EED_0302L, 400)
                .forAll(Generators.specs(4, 8, 2, 8), doubles().between(-2, 2).map(Math::exp),
                        Generate.enumValues(Target.class))
                .checkAssert((spec0, lambda, target) -> {
                    SyntheticRollouts.Spec spec = spec0.toBuilder().topK(spec0.vocabSize()).spec();
                    SyntheticRollouts g = spec.generate();
                    String where = spec + ", lambda=" + lambda + ", target=" + target;
                    float[] exact = compute(g, target, SyntheticRollouts.Inputs.FULL_VOCAB, lambda,
                            MissingRolloutProb.ZERO, true).zApprox();
                    JackpotResult union = compute(g, target, SyntheticRollouts.Inputs.TOP_K, lambda,
                            MissingRolloutProb.ZERO, true);
                    for (int t = 0; t < g.tokenCount(); t++) {
                        final int token = t;
                        assertEquals(exact[t], union.zApprox()[t], Math.ulp(exact[t]),
                                () -> where + ": k = V union normalizer != exact Z at token " + token);
                    }
                    if (g.validTokens() > 0) {
                        assertEquals(g.vocabSize, union.metric(JackpotMetric.UNION_SIZE_MEAN), 0.0,
                                () -> where + ": union of two full lists must be V");
                    }
                    // Renormalizing over V_k = V divides by masses that are 1 up to the rounding of the
                    // float log-probs (|Σ exp(ℓ) − 1| ≲ V·6e-8): Zapprox stays within 1e-5 of Z.
                    JackpotConfig renorm = JackpotConfig.builder().topK(g.k).lambda(lambda).target(target)
                            .biasCorrection(false).useTopkRenorm(true).build();
                    JackpotResult renormalized = Jackpot.compute(renorm, g.batch(target, SyntheticRollouts.Inputs.TOP_K));
                    for (int t = 0; t < g.tokenCount(); t++) {
                        final int token = t;
                        assertEquals(exact[t], renormalized.zApprox()[t], 1e-5 * exact[t],
                                () -> where + ": k = V renormalized Zapprox != exact Z at token " + token);
                    }
                });
    }

    @Test
    void biasCorrectedNormalizerAveragesToTheAcceptanceEstimate() {
        // MATH.md §5: Z_t = κ·Zapprox_t with κ = ᾱ̂ / mean Zapprox, so mean_valid Z_t = ᾱ̂, whatever the
        // normalizer mode: the sampled acceptance rate or the mean acceptance (EXPECTED).
        Generators.qt(0x5EED_0303L, 400)
                .forAll(Generators.specs(8, 12, 5, 30), Generators.configs(), Generate.enumValues(SyntheticRollouts.Inputs.class))
                .checkAssert((spec, config0, mode) -> {
                    SyntheticRollouts g = spec.generate();
                    JackpotConfig config = Generators.withTopK(config0, g.k).toBuilder().useJackpot(true)
                            .biasCorrection(true).build();
                    JackpotResult r = Jackpot.compute(config, g.batch(config.target(), mode));
                    String where = spec + ", " + config + ", mode=" + mode;
                    if (r.statistics().kappaFallback()) {
                        assertEquals(1.0, r.kappa(), 0.0, () -> where + ": fallback κ");
                        return;
                    }
                    double sumZ = 0;
                    for (int t = 0; t < g.tokenCount(); t++) {
                        sumZ += r.z()[t];
                    }
                    double meanZ = sumZ / g.validTokens();
                    double estimate = config.acceptanceEstimate() == AcceptanceEstimate.SAMPLED
                            ? r.metric(JackpotMetric.ACCEPTANCE_RATE) : r.metric(JackpotMetric.EXPECTED_ACCEPTANCE);
                    // z_t are float roundings of κ·Zapprox_t (6e-8 relative each): 1e-6 relative is ample.
                    assertEquals(estimate, meanZ, 1e-6 * estimate, () -> where + ": mean Z_t != acceptance estimate");
                });
    }
}
