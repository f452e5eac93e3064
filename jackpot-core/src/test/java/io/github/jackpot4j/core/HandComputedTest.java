package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Small cases computed by hand, one per formula of MATH.md. Every expected number is derived in the
 * comment beside it from the inputs, never from the code under test. Inputs are float log-probs of
 * round probabilities, so expectations hold to ~1e-6 (float rounding of ln x).
 */
class HandComputedTest {
    private static final double TOL = 2e-6;

    static float ln(double p) {
        return (float) Math.log(p);
    }

    /**
     * One token whose lists are: rollout top-2 = {0: q .6, 1: q .3} with target probs {.3, .5};
     * target top-2 = {1: p .5, 2: p .2} with rollout probs {.3, .05}. The sampled token is id 0:
     * ℓ_inf = ln .6, ℓ_new = ℓ_old = ln .3.
     */
    static JackpotBatch.Builder oneToken(float uniform) {
        return JackpotBatch.builder(1, 1, 2).step(0)
                .rolloutLogProbs(new float[] {ln(.6)}).oldLogProbs(new float[] {ln(.3)})
                .logProbs(new float[] {ln(.3)}).advantages(new float[] {1f})
                .rolloutTopK(new int[] {0, 1}, new float[] {ln(.6), ln(.3)})
                .targetLogProbsAtRolloutTopK(new float[] {ln(.3), ln(.5)})
                .targetTopK(new int[] {1, 2}, new float[] {ln(.5), ln(.2)})
                .uniforms(new float[] {uniform});
    }

    static JackpotConfig.Builder k2() {
        return JackpotConfig.builder().topK(2);
    }

    @Nested
    class Acceptance {
        @Test
        void acceptanceIsTheCappedRatioOverLambda() {
            JackpotBatch b = oneToken(0.4f).build();
            // a = min(1, .3/.6 / λ): λ=1 → .5, λ=.25 → min(1, 2) = 1, λ=2 → .25
            assertEquals(0.5, Jackpot.compute(k2().build(), b).metric(JackpotMetric.EXPECTED_ACCEPTANCE), TOL);
            assertEquals(1.0, Jackpot.compute(k2().lambda(.25).build(), b).metric(JackpotMetric.EXPECTED_ACCEPTANCE), TOL);
            assertEquals(0.25, Jackpot.compute(k2().lambda(2).build(), b).metric(JackpotMetric.EXPECTED_ACCEPTANCE), TOL);
        }

        @Test
        void referenceTargetUsesTheOldLogProbs() {
            // ℓ_old = ln .45 instead of ln .3: a = .45/.6 = .75 with target = reference
            JackpotBatch b = oneToken(0.4f).oldLogProbs(new float[] {ln(.45)}).build();
            JackpotResult r = Jackpot.compute(k2().target(Target.REFERENCE).build(), b);
            assertEquals(0.75, r.metric(JackpotMetric.EXPECTED_ACCEPTANCE), TOL);
            assertEquals(0.5, Jackpot.compute(k2().build(), b).metric(JackpotMetric.EXPECTED_ACCEPTANCE), TOL);
        }

        @Test
        void tokenIsAcceptedIffUniformIsBelowAcceptance() {
            // ℓ_tgt = ℓ_inf and λ = 2: a = min(1, 1/2) = 0.5 exactly; u = .5 is rejected, the float below it accepted
            JackpotConfig config = k2().lambda(2).build();
            float[] lp = {ln(.3)};
            for (float u : new float[] {0.5f, Math.nextDown(0.5f), 0f, 0.75f}) {
                JackpotBatch b = oneToken(u).rolloutLogProbs(lp).logProbs(lp).oldLogProbs(lp).build();
                assertEquals(u < 0.5f ? 1f : 0f, Jackpot.compute(config, b).acceptMask()[0], "u = " + u);
            }
        }

        @Test
        void zeroTargetProbabilityIsNeverAcceptedAndTwoZerosHaveRatioOne() {
            float inf = Float.NEGATIVE_INFINITY;
            // ℓ_tgt = −∞: a = 0, so even u = 0 rejects
            JackpotBatch zeroTarget = oneToken(0f).logProbs(new float[] {inf}).oldLogProbs(new float[] {inf}).build();
            JackpotResult r = Jackpot.compute(k2().build(), zeroTarget);
            assertEquals(0f, r.acceptMask()[0]);
            assertEquals(0.0, r.metric(JackpotMetric.EXPECTED_ACCEPTANCE), 0.0);
            // ℓ_tgt = ℓ_inf = −∞: ratio 1, a = min(1, 1/λ) = 1/2 for λ = 2
            JackpotBatch bothZero = oneToken(0.7f).rolloutLogProbs(new float[] {inf}).logProbs(new float[] {inf})
                    .oldLogProbs(new float[] {inf}).build();
            JackpotResult r2 = Jackpot.compute(k2().lambda(2).build(), bothZero);
            assertEquals(0.5, r2.metric(JackpotMetric.EXPECTED_ACCEPTANCE), 0.0);
            for (double v : r2.metrics().values()) {
                assertTrue(Double.isFinite(v), r2.metrics().toString());
            }
        }

        @Test
        void counterBasedUniformsAreDeterministic24BitFloatsKeyedByGlobalSequence() {
            float u = RejectionUniforms.uniform(7, 2, 12, 3);
            assertEquals(u, RejectionUniforms.uniform(7, 2, 12, 3));
            assertTrue(u >= 0f && u < 1f);
            assertEquals(0f, (u * (1 << 24)) % 1f, "a multiple of 2^-24");
            assertTrue(u != RejectionUniforms.uniform(8, 2, 12, 3) || u != RejectionUniforms.uniform(7, 2, 13, 3));
            // row 1 of a batch starting at sequence 11 is global sequence 12
            float[] rows = RejectionUniforms.fill(7, 2, 11, 2, 4, new float[8]);
            assertEquals(u, rows[4 + 3]);
        }
    }

    @Nested
    class UnionNormalizerCases {
        double zApprox(JackpotConfig config, JackpotBatch b) {
            JackpotResult r = Jackpot.compute(config, b);
            return r.zApprox()[0];
        }

        @Test
        void zeroRuleCountsTargetOnlyTokensAsZero() {
            // union {0,1,2}: min(.6,.3) + min(.3,.5) + min(0,.2) = .3 + .3 + 0 = .6
            JackpotResult r = Jackpot.compute(k2().build(), oneToken(0.4f).build());
            assertEquals(0.6, r.zApprox()[0], TOL);
            assertEquals(3.0, r.metric(JackpotMetric.UNION_SIZE_MEAN), 0.0);
            assertEquals(0.9, r.metric(JackpotMetric.ROLLOUT_MASS), TOL);   // .6 + .3 + 0
            assertEquals(1.0, r.metric(JackpotMetric.TARGET_MASS), TOL);    // .3 + .5 + .2
        }

        @Test
        void boundRuleUsesTheSmallestRolloutTopKProbability() {
            // q_(k) = .3: the id-2 term is min(.3, .2) = .2, Zapprox = .3 + .3 + .2 = .8
            JackpotConfig config = k2().missingRolloutProb(MissingRolloutProb.BOUND).build();
            assertEquals(0.8, zApprox(config, oneToken(0.4f).build()), TOL);
        }

        @Test
        void crossLogProbsFillTheTargetOnlyTerms() {
            // q(2) = .05: Zapprox = .3 + .3 + min(.05, .2) = .65; id 1 is counted once although in both lists
            JackpotBatch b = oneToken(0.4f).rolloutLogProbsAtTargetTopK(new float[] {ln(.3), ln(.05)}).build();
            assertEquals(0.65, zApprox(k2().build(), b), TOL);
            // λ = .5: min(.6, .6) + min(.3, 1) + min(.05, .4) = .95
            assertEquals(0.95, zApprox(k2().lambda(.5).build(), b), TOL);
            // use_latest_logits = false ignores them: back to the ZERO value .6
            assertEquals(0.6, zApprox(k2().useLatestLogits(false).build(), b), TOL);
        }

        @Test
        void renormalizationDividesByTheUnionMasses() {
            // Q = .6+.3+.05 = .95, P = .3+.5+.2 = 1:
            // min(.6/.95, .3) + min(.3/.95, .5) + min(.05/.95, .2) = .3 + .315789474 + .052631579 = .668421053
            JackpotBatch b = oneToken(0.4f).rolloutLogProbsAtTargetTopK(new float[] {ln(.3), ln(.05)}).build();
            assertEquals(0.668421053, zApprox(k2().useTopkRenorm(true).build(), b), TOL);
        }

        @Test
        void fullVocabularyModeIsExact() {
            // V = 3, q = (.6, .3, .1), p = (.3, .5, .2): Z = .3 + .3 + .1 = .7 (λ = 1); λ = 2: .15+.25+.1 = .5
            JackpotBatch b = JackpotBatch.builder(1, 1).step(0).vocabSize(3)
                    .rolloutLogProbs(new float[] {ln(.6)}).oldLogProbs(new float[] {ln(.3)})
                    .logProbs(new float[] {ln(.3)}).advantages(new float[] {1f})
                    .fullVocabLogProbs(FloatView.of(new float[] {ln(.6), ln(.3), ln(.1)}, 1, 1, 3),
                            FloatView.of(new float[] {ln(.3), ln(.5), ln(.2)}, 1, 1, 3))
                    .build();
            assertEquals(0.7, zApprox(JackpotConfig.defaults(), b), TOL);
            assertEquals(0.5, zApprox(JackpotConfig.builder().lambda(2).build(), b), TOL);
            assertEquals(3.0, Jackpot.compute(JackpotConfig.defaults(), b).metric(JackpotMetric.UNION_SIZE_MEAN), 0.0);
        }
    }

    /**
     * Two tokens of one sequence with the lists of {@link #oneToken} (Zapprox = .6 each, a = .5):
     * u = (.4, .9) accepts the first and rejects the second.
     */
    static JackpotBatch twoTokens() {
        return JackpotBatch.builder(1, 2, 2).step(0)
                .rolloutLogProbs(new float[] {ln(.6), ln(.6)}).oldLogProbs(new float[] {ln(.3), ln(.3)})
                .logProbs(new float[] {ln(.3), ln(.3)}).advantages(new float[] {1f, 1f})
                .rolloutTopK(new int[] {0, 1, 0, 1}, new float[] {ln(.6), ln(.3), ln(.6), ln(.3)})
                .targetLogProbsAtRolloutTopK(new float[] {ln(.3), ln(.5), ln(.3), ln(.5)})
                .targetTopK(new int[] {1, 2, 1, 2}, new float[] {ln(.5), ln(.2), ln(.5), ln(.2)})
                .uniforms(new float[] {.4f, .9f})
                .build();
    }

    @Nested
    class BiasCorrection {
        @Test
        void sampledAndExpectedEstimates() {
            // SAMPLED: ᾱ̂ = 1/2, mean Zapprox = .6 → κ = .5/.6 = .833333, Z = κ·.6 = .5
            JackpotResult sampled = Jackpot.compute(k2().build(), twoTokens());
            assertEquals(0.8333333, sampled.kappa(), TOL);
            assertEquals(0.5, sampled.z()[0], TOL);
            assertArrayEquals(new float[] {1f, 0f}, sampled.acceptMask());
            // EXPECTED with λ = 2: a = min(1, .5/2) = .25, Zapprox = min(.6, .3/2) + min(.3, .5/2) + 0 = .4:
            // κ = .25/.4 = .625 (SAMPLED would give .5/.4 = 1.25)
            JackpotResult expected = Jackpot.compute(k2().lambda(2).acceptanceEstimate(AcceptanceEstimate.EXPECTED).build(),
                    twoTokens());
            assertEquals(0.625, expected.kappa(), TOL);
        }

        @Test
        void correctionOffLeavesZApprox() {
            JackpotResult r = Jackpot.compute(k2().biasCorrection(false).build(), twoTokens());
            assertEquals(1.0, r.kappa(), 0.0);
            assertArrayEquals(r.zApprox(), r.z());
        }

        @Test
        void kappaFallsBackToOneWithoutMass() {
            // every token padding: N = 0 → κ = 1
            JackpotBatch empty = JackpotBatch.builder(1, 2, 2).step(0).responseMask(new float[] {0, 0})
                    .rolloutLogProbs(new float[2]).oldLogProbs(new float[2]).logProbs(new float[2])
                    .advantages(new float[2]).rolloutTopK(new int[] {0, 1, 0, 1}, new float[4])
                    .targetTopK(new int[] {0, 1, 0, 1}, new float[4]).targetLogProbsAtRolloutTopK(new float[4])
                    .build();
            JackpotResult r = Jackpot.compute(k2().build(), empty);
            assertEquals(1.0, r.kappa(), 0.0);
            assertTrue(r.statistics().kappaFallback());
            assertEquals(0.0, r.loss(), 0.0);
        }

        @Test
        void statisticsAddUpAndRoundTripThroughArrays() {
            BatchStatistics s = Jackpot.statistics(k2().build(), twoTokens());
            // N = 2, accepted 1, Σa = 1, ΣZapprox = 1.2, S = 1
            assertArrayEquals(new double[] {2, 1, 1, 1.2, 1}, s.toArray(), TOL);
            // the same statistics twice cover sequence 0 twice: refused (a micro-batch without its offset) ...
            assertThrows(IllegalArgumentException.class, () -> s.merge(s));
            // ... but plain sums without provenance add up
            BatchStatistics twice = BatchStatistics.fromArray(s.toArray()).merge(BatchStatistics.fromArray(s.toArray()));
            assertArrayEquals(new double[] {4, 2, 2, 2.4, 2}, twice.toArray(), TOL);
            assertEquals(s.kappa(AcceptanceEstimate.SAMPLED), twice.kappa(AcceptanceEstimate.SAMPLED), 1e-15);
            assertArrayEquals(s.toArray(), BatchStatistics.fromArray(s.toArray()).toArray());
            assertArrayEquals(s.toArray(), BatchStatistics.EMPTY.merge(s).toArray());
            BatchStatistics other = Jackpot.statistics(k2().lambda(2).build(), twoTokens());
            assertThrows(IllegalArgumentException.class, () -> s.merge(other));
            assertThrows(IllegalArgumentException.class, () -> BatchStatistics.fromArray(new double[] {1, 1, 1, -1, 1}));
        }
    }

    @Nested
    class Weights {
        @Test
        void weightIsZTimesTheLargerOfLambdaAndTheRatio() {
            // one token: accepted, κ = 1/.6, Z = 1; ratio .5 < λ = 1 → w = 1·1 = 1; ρ = min(1, 3)·F(1) = 1
            JackpotResult r = Jackpot.compute(k2().build(), oneToken(.4f).build());
            assertEquals(1.0, r.z()[0], TOL);
            assertEquals(1.0, r.weights()[0], TOL);
            // λ = .25: a = 1, Zapprox = min(.6,1.2)+min(.3,2)+0 = .9, κ = 1/.9, Z = 1; w = 1·max(.25, .5) = .5
            JackpotResult r2 = Jackpot.compute(k2().lambda(.25).build(), oneToken(.4f).build());
            assertEquals(0.5, r2.weights()[0], TOL);
        }

        @Test
        void weightClipCapsW() {
            // bias correction off, λ = 4: Zapprox = min(.6,.075)+min(.3,.125) = .2; w = .2·max(4, .5) = .8
            // c1 = .5 caps it: ρ = .5, obrs_clip_frac = 1
            JackpotResult r = Jackpot.compute(k2().lambda(4).biasCorrection(false).weightClip(.5).build(),
                    oneToken(.1f).build());
            assertEquals(0.5, r.weights()[0], TOL);
            assertEquals(1.0, r.metric(JackpotMetric.OBRS_CLIP_FRAC), 0.0);
            JackpotResult unclipped = Jackpot.compute(k2().lambda(4).biasCorrection(false).build(), oneToken(.1f).build());
            assertEquals(0.8, unclipped.weights()[0], TOL);
            assertEquals(0.0, unclipped.metric(JackpotMetric.OBRS_CLIP_FRAC), 0.0);
        }

        @Test
        void residualCorrectionFamilies() {
            // ℓ_old = ln .9, ℓ_tgt = ℓ_new = ln .3: x = 3. TIS C = 2 → F = 2; ICEPOP [.5, 2] → 0; [.5, 5] → 3; NONE → 1.
            // w = 1 as in the first case (Z = 1, ratio .5 < λ), so ρ = F.
            JackpotBatch b = oneToken(.4f).oldLogProbs(new float[] {ln(.9)}).build();
            JackpotResult tis = Jackpot.compute(k2().build(), b);
            assertEquals(2.0, tis.weights()[0], TOL);
            assertEquals(1.0, tis.metric(JackpotMetric.RESIDUAL_CLIP_FRAC), 0.0);
            assertEquals(0.0, Jackpot.compute(k2().rolloutIsThreshold(ResidualCorrection.parseThreshold("0.5_2")).build(), b)
                    .weights()[0], 0.0);
            assertEquals(3.0, Jackpot.compute(k2().rolloutIsThreshold(ResidualCorrection.parseThreshold("0.5_5.0")).build(), b)
                    .weights()[0], 1e-5);
            assertEquals(1.0, Jackpot.compute(k2().rolloutIs(RolloutIs.NONE).build(), b).weights()[0], TOL);
        }

        @Test
        void maskOnlyKeepsRejectionButNotReweighting() {
            // λ = .7: a = min(1, .5/.7) = .714 → u = (.4, .9) gives mask (1, 0) as without mask_only;
            // w would be Z·max(.7, .5) = .7·Z, mask_only makes it 1, so ρ = min(1, 3)·F(1) = 1
            JackpotResult r = Jackpot.compute(k2().lambda(.7).maskOnly(true).build(), twoTokens());
            assertArrayEquals(new float[] {1f, 1f}, r.weights());
            assertArrayEquals(new float[] {1f, 0f}, r.acceptMask());
        }

        @Test
        void baselinesRejectNothingAndCorrectFromTheRolloutModel() {
            // use_jackpot = false: mask 1, ρ = F(exp(ℓ_old − ℓ_inf)) = F(.3/.6 = .5): TIS → .5, NONE → 1, ICEPOP [.6, 2] → 0
            JackpotBatch b = twoTokens();
            JackpotResult tis = Jackpot.compute(JackpotConfig.builder().useJackpot(false).topK(2).build(), b);
            assertArrayEquals(new float[] {1f, 1f}, tis.acceptMask());
            assertEquals(0.5, tis.weights()[1], TOL);
            assertEquals(1.0, tis.metric(JackpotMetric.ACCEPTANCE_RATE), 0.0);
            assertEquals(1.0, Jackpot.compute(JackpotConfig.builder().useJackpot(false).rolloutIs(RolloutIs.NONE).build(), b)
                    .weights()[0], 0.0);
            assertEquals(0.0, Jackpot.compute(JackpotConfig.builder().useJackpot(false)
                    .rolloutIsThreshold(ResidualCorrection.icepop(.6, 2)).build(), b).weights()[0], 0.0);
        }
    }

    /** One on-policy token (no OBRS effect: a = 1, Z = 1, ρ = 1) with the given advantage and ℓ_new − ℓ_old. */
    static JackpotResult objective(JackpotConfig.Builder config, double advantage, double ratio) {
        float old = ln(1e-12); // low enough that ℓ_new = ℓ_old + ln r stays a log-prob for r up to e^25
        float now = (float) (old + Math.log(ratio));
        JackpotBatch b = JackpotBatch.builder(1, 1, 1).step(0)
                .rolloutLogProbs(new float[] {now}).oldLogProbs(new float[] {old}).logProbs(new float[] {now})
                .advantages(new float[] {(float) advantage})
                .rolloutTopK(new int[] {4}, new float[] {0f}).targetTopK(new int[] {4}, new float[] {0f})
                .targetLogProbsAtRolloutTopK(new float[] {0f}).build();
        // target = reference: a = min(1, exp(ℓ_old − ℓ_inf)) would be < 1 for ratio > 1, so compare the
        // latest policy with itself (rollout = new) and turn the residual correction off: ρ = 1 exactly.
        return Jackpot.compute(config.topK(1).rolloutIs(RolloutIs.NONE).build(), b);
    }

    @Nested
    class PolicyObjectiveCases {
        @Test
        void unclippedInsideTheTrustRegion() {
            // Â = 1, r = 1.1 ∈ [.8, 1.2]: L = −1.1, dL/dℓ = −Â r = −1.1
            JackpotResult r = objective(JackpotConfig.builder(), 1, 1.1);
            assertEquals(-1.1, r.loss(), TOL);
            assertEquals(-1.1, r.gradLogProbs()[0], TOL);
            assertEquals(0.0, r.metric(JackpotMetric.PG_CLIPFRAC), 0.0);
            // ppo_kl = ℓ_old − ℓ_new = −ln 1.1
            assertEquals(-Math.log(1.1), r.metric(JackpotMetric.PPO_KL), TOL);
        }

        @Test
        void clippedAbove() {
            // Â = 1, r = 1.3: L1 = −1.3, L2 = −1.2, max = −1.2 (clipped, constant)
            JackpotResult r = objective(JackpotConfig.builder(), 1, 1.3);
            assertEquals(-1.2, r.loss(), TOL);
            assertEquals(0.0, r.gradLogProbs()[0], 0.0);
            assertEquals(1.0, r.metric(JackpotMetric.PG_CLIPFRAC), 0.0);
        }

        @Test
        void clippedBelowForNegativeAdvantage() {
            // Â = −1, r = .7: L1 = .7, L2 = .8 → .8, gradient 0
            JackpotResult r = objective(JackpotConfig.builder(), -1, 0.7);
            assertEquals(0.8, r.loss(), TOL);
            assertEquals(0.0, r.gradLogProbs()[0], 0.0);
        }

        @Test
        void dualClipBoundsNegativeAdvantageLosses() {
            // Â = −1, r = 4: Lc = max(4, 1.2) = 4 > c_dual·1 = 3 → L = 3, gradient 0, pg_clipfrac_lower = 1
            JackpotResult r = objective(JackpotConfig.builder(), -1, 4);
            assertEquals(3.0, r.loss(), TOL);
            assertEquals(0.0, r.gradLogProbs()[0], 0.0);
            assertEquals(1.0, r.metric(JackpotMetric.PG_CLIPFRAC_LOWER), 0.0);
            // r = 2.5 < 3: L = 2.5, dL/dℓ = −Â r = 2.5
            JackpotResult below = objective(JackpotConfig.builder(), -1, 2.5);
            assertEquals(2.5, below.loss(), TOL);
            assertEquals(2.5, below.gradLogProbs()[0], TOL);
            assertEquals(0.0, below.metric(JackpotMetric.PG_CLIPFRAC_LOWER), 0.0);
            // c_dual = 5: r = 4 is no longer dual-clipped
            assertEquals(4.0, objective(JackpotConfig.builder().dualClip(5), -1, 4).loss(), 1e-5);
        }

        @Test
        void noClipVariantIsThePlainRatioObjective() {
            // ppo_clip = false, Â = 1, r = 1.3: L = −1.3, gradient −1.3
            JackpotResult r = objective(JackpotConfig.builder().ppoClip(false), 1, 1.3);
            assertEquals(-1.3, r.loss(), TOL);
            assertEquals(-1.3, r.gradLogProbs()[0], TOL);
        }

        @Test
        void asymmetricClipBounds() {
            // ε_high = .5: r = 1.3 is inside [.8, 1.5] → L = −1.3
            assertEquals(-1.3, objective(JackpotConfig.builder().clipRatioHigh(.5), 1, 1.3).loss(), TOL);
        }

        @Test
        void clampAtTwentyStopsTheGradient() {
            // ℓ_new − ℓ_old = ln(e^25) = 25 > 20: r = e^20, no-clip L = −e^20 and the derivative is 0
            JackpotResult r = objective(JackpotConfig.builder().ppoClip(false), 1, Math.exp(25));
            assertEquals(-Math.exp(20), r.loss(), Math.exp(20) * 1e-5);
            assertEquals(0.0, r.gradLogProbs()[0], 0.0);
        }
    }

    /**
     * B = 2, T = 3; row 1 has one padding token. λ = 2 and every list is the single id 0 with
     * log-prob 0 in both models, so a = .5 and Zapprox = min(1, 1/2) = .5 everywhere. u accepts all of
     * row 0 and only the first token of row 1: N = 5, accepted 4, κ = (4/5)/.5 = 1.6, and
     * ρ = min(1.6·.5·max(2, 1), 3) = 1.6. ℓ_new = ℓ_old (r = 1); Â = 1 in row 0, −.5 in row 1, so
     * L = −Â: loss_t = (−1.6, −1.6, −1.6 | .8, 0, 0), Σ = −4.
     */
    static JackpotBatch aggregationBatch() {
        float lp = ln(.5);
        float[] tokens = {lp, lp, lp, lp, lp, lp};
        return JackpotBatch.builder(2, 3, 1).step(0)
                .responseMask(new float[] {1, 1, 1, 1, 1, 0})
                .rolloutLogProbs(tokens).oldLogProbs(tokens).logProbs(tokens)
                .advantages(new float[] {1, 1, 1, -.5f, -.5f, -.5f})
                .rolloutTopK(new int[6], new float[6]).targetTopK(new int[6], new float[6])
                .targetLogProbsAtRolloutTopK(new float[6])
                .uniforms(new float[] {.1f, .2f, .3f, .3f, .9f, .0f})
                .build();
    }

    static JackpotResult aggregate(LossAggMode mode, Double scale) {
        return Jackpot.compute(JackpotConfig.builder().topK(1).lambda(2).lossAggMode(mode).lossScaleFactor(scale).build(),
                aggregationBatch());
    }

    @Nested
    class Aggregation {
        @Test
        void perTokenLossesAndWeights() {
            JackpotResult r = aggregate(LossAggMode.TOKEN_MEAN, null);
            assertEquals(1.6, r.kappa(), TOL);
            assertArrayEquals(new float[] {1.6f, 1.6f, 1.6f, 1.6f, 1.6f, 0f}, r.weights(), 1e-5f);
            assertArrayEquals(new float[] {-1.6f, -1.6f, -1.6f, .8f, 0f, 0f}, r.perTokenLoss(), 1e-5f);
        }

        @Test
        void everyModeOnTheSameBatch() {
            assertEquals(-1.0, aggregate(LossAggMode.TOKEN_MEAN, null).loss(), TOL);            // −4 / 4 tokens
            assertEquals(-4.0, aggregate(LossAggMode.TOKEN_SUM, null).loss(), TOL);             // Σ
            assertEquals(-2.0, aggregate(LossAggMode.SEQ_MEAN_TOKEN_SUM, null).loss(), TOL);    // (−4.8 + .8) / 2
            assertEquals(-0.4, aggregate(LossAggMode.SEQ_MEAN_TOKEN_MEAN, null).loss(), TOL);   // (−1.6 + .8) / 2
            assertEquals(-4.0 / 3, aggregate(LossAggMode.SEQ_MEAN_TOKEN_SUM_NORM, null).loss(), TOL); // −4 / T
            assertEquals(-0.5, aggregate(LossAggMode.SEQ_MEAN_TOKEN_SUM_NORM, 8.0).loss(), TOL); // −4 / 8
        }

        @Test
        void gradientIsTheAggregationCoefficientTimesMaskWeightAndDerivative() {
            // dL/dℓ = −Â r: −1 in row 0, +.5 in row 1; times m·ρ = 1.6
            // token-mean, c = 1/4: −.4 (row 0), .2 for the accepted token of row 1, 0 for the rejected and the padding
            assertArrayEquals(new float[] {-.4f, -.4f, -.4f, .2f, 0f, 0f},
                    aggregate(LossAggMode.TOKEN_MEAN, null).gradLogProbs(), 1e-6f);
            // seq-mean-token-mean: row 0 c = 1/(2·3) → −1.6/6; row 1 c = 1/(2·1) → .8/2
            assertArrayEquals(new float[] {-1.6f / 6, -1.6f / 6, -1.6f / 6, .4f, 0f, 0f},
                    aggregate(LossAggMode.SEQ_MEAN_TOKEN_MEAN, null).gradLogProbs(), 1e-6f);
            // seq-mean-token-sum: c = 1/2 → −.8 and .4
            assertArrayEquals(new float[] {-.8f, -.8f, -.8f, .4f, 0f, 0f},
                    aggregate(LossAggMode.SEQ_MEAN_TOKEN_SUM, null).gradLogProbs(), 1e-6f);
        }

        @Test
        void globalStatisticsSetKappaAndDenominators() {
            // global sums {N 10, accepted 8, Σa 5, ΣZapprox 2.5, S 4}: κ = 8/2.5 = 3.2, so
            // ρ = min(3.2·.5·2, 3) = 3 (clipped); Σ loss = 3·(−3) + 3·.5 = −7.5; token-mean = −7.5/8
            BatchStatistics global = BatchStatistics.fromArray(new double[] {10, 8, 5, 2.5, 4});
            JackpotResult r = Jackpot.compute(JackpotConfig.builder().topK(1).lambda(2).build(), aggregationBatch(), global);
            assertEquals(3.2, r.kappa(), 1e-12);
            assertEquals(-0.9375, r.loss(), TOL);
            // seq-mean-token-sum over S = 4: −7.5/4
            JackpotResult s = Jackpot.compute(JackpotConfig.builder().topK(1).lambda(2)
                    .lossAggMode(LossAggMode.SEQ_MEAN_TOKEN_SUM).build(), aggregationBatch(), global);
            assertEquals(-1.875, s.loss(), TOL);
        }

        @Test
        void allMaskedBatchHasZeroLossZeroGradientAndFiniteMetrics() {
            float[] six = new float[6];
            JackpotBatch b = JackpotBatch.builder(2, 3, 1).step(0).responseMask(new float[6])
                    .rolloutLogProbs(six).oldLogProbs(six).logProbs(six).advantages(six)
                    .rolloutTopK(new int[6], six).targetTopK(new int[6], six).targetLogProbsAtRolloutTopK(six).build();
            for (LossAggMode mode : LossAggMode.values()) {
                JackpotResult r = Jackpot.compute(JackpotConfig.builder().topK(1).lossAggMode(mode).build(), b);
                assertEquals(0.0, r.loss(), 0.0, mode.key());
                assertArrayEquals(new float[6], r.gradLogProbs(), mode.key());
                r.metrics().forEach((k, v) -> assertTrue(Double.isFinite(v), k + " = " + v));
            }
        }
    }

    @Nested
    class Metrics {
        @Test
        void metricsOfTheTwoTokenBatch() {
            // both tokens: a = .5, Zapprox = .6; u accepts token 0 only; κ = .5/.6; Z = .5, w = .5·max(1, .5) = .5,
            // ρ = .5 for both (F(1) = 1); Δ = ℓ_tgt − ℓ_inf = ln .5
            JackpotResult r = Jackpot.compute(k2().build(), twoTokens());
            assertEquals(0.5, r.metric(JackpotMetric.ACCEPTANCE_RATE), 0.0);
            assertEquals(0.5, r.metric(JackpotMetric.EXPECTED_ACCEPTANCE), TOL);
            assertEquals(0.6, r.metric(JackpotMetric.Z_APPROX_MEAN), TOL);
            assertEquals(1.0, r.metric(JackpotMetric.LAMBDA), 0.0);
            assertEquals(0.5, r.metric(JackpotMetric.WEIGHT_MEAN), TOL);
            assertEquals(0.5, r.metric(JackpotMetric.WEIGHT_MAX), TOL);
            assertEquals(0.5, r.metric(JackpotMetric.WEIGHT_MIN), TOL);
            assertEquals(Math.log(2), r.metric(JackpotMetric.KL_K1), TOL);                // −ln .5
            assertEquals(0.5 - 1 - Math.log(.5), r.metric(JackpotMetric.KL_K3), TOL);     // e^Δ − 1 − Δ
            assertEquals(1.0, r.metric(JackpotMetric.ESS), TOL);                          // one accepted weight
            assertEquals(JackpotMetric.values().length, r.metrics().size());
            assertEquals(r.metric(JackpotMetric.KAPPA), r.metrics().get("jackpot/kappa"));
        }

        @Test
        void effectiveSampleSizeOfUnequalWeights() {
            // residual TIS at x = ℓ_old/ℓ_tgt ratios 3 and 1 gives ρ = (2·w, 1·w) with equal w; both accepted
            // (λ = .25 → a = 1): ESS = (2+1)² / (2·(4+1)) = .9
            JackpotBatch b = JackpotBatch.builder(1, 2, 2).step(0)
                    .rolloutLogProbs(new float[] {ln(.6), ln(.6)}).oldLogProbs(new float[] {ln(.9), ln(.3)})
                    .logProbs(new float[] {ln(.3), ln(.3)}).advantages(new float[] {1f, 1f})
                    .rolloutTopK(new int[] {0, 1, 0, 1}, new float[] {ln(.6), ln(.3), ln(.6), ln(.3)})
                    .targetLogProbsAtRolloutTopK(new float[] {ln(.3), ln(.5), ln(.3), ln(.5)})
                    .targetTopK(new int[] {1, 2, 1, 2}, new float[] {ln(.5), ln(.2), ln(.5), ln(.2)})
                    .uniforms(new float[] {.4f, .9f}).build();
            assertEquals(0.9, Jackpot.compute(k2().lambda(.25).build(), b).metric(JackpotMetric.ESS), TOL);
        }
    }

    @Nested
    class GroupAdvantageCases {
        @Test
        void standardizedWithinEachPrompt() {
            // group 7: rewards (1, 0, 1): mean 2/3, unbiased std sqrt(((1/3)²+(2/3)²+(1/3)²)/2) = sqrt(1/3)
            // group 9: one sequence: mean 0, std 1 → 5/(1 + 1e-6)
            double[] a = GroupAdvantages.perSequence(new double[] {1, 0, 1, 5}, new long[] {7, 7, 7, 9}, true);
            double std = Math.sqrt(1.0 / 3);
            assertArrayEquals(new double[] {(1.0 / 3) / (std + 1e-6), (-2.0 / 3) / (std + 1e-6), (1.0 / 3) / (std + 1e-6),
                    5 / (1 + 1e-6)}, a, 1e-12);
            assertArrayEquals(new double[] {1.0 / 3, -2.0 / 3, 1.0 / 3, 5},
                    GroupAdvantages.perSequence(new double[] {1, 0, 1, 5}, new long[] {7, 7, 7, 9}, false), 1e-12);
            assertArrayEquals(new float[] {2f, 2f, 0f, -1f, 0f, 0f},
                    GroupAdvantages.perToken(new double[] {2, -1}, 3, new float[] {1, 1, 0, 1, 0, 0}));
            assertThrows(IllegalArgumentException.class, () -> GroupAdvantages.perSequence(new double[2], new long[3], true));
        }
    }

    /** Four tokens whose ratios exp(ℓ_tgt − ℓ_inf) are 1, 1, .5 and .25. */
    static JackpotBatch budgetBatch() {
        float[] rollout = {ln(.4), ln(.4), ln(.4), ln(.4)};
        float[] target = {ln(.4), ln(.4), ln(.2), ln(.1)};
        return JackpotBatch.builder(1, 4, 1).step(0).rolloutLogProbs(rollout).oldLogProbs(target).logProbs(target)
                .advantages(new float[4]).rolloutTopK(new int[4], new float[4]).targetTopK(new int[4], new float[4])
                .targetLogProbsAtRolloutTopK(new float[4]).build();
    }

    @Nested
    class Budget {
        double solve(double target) {
            return Jackpot.solveLambda(JackpotConfig.builder().topK(1).targetAcceptance(target).build(), budgetBatch());
        }

        @Test
        void solvesTheMeanAcceptanceEquation() {
            // λ ≥ 1: mean a = (1 + 1 + .5 + .25)/(4λ) = .5 → λ = 2.75/2 = 1.375
            assertEquals(1.375, solve(.5), 1.375 * 1e-6);
            // .5 ≤ λ ≤ 1: (2 + .75/λ)/4 = .75 → λ = .75
            assertEquals(0.75, solve(.75), 0.75 * 1e-6);
            // ā = 1: the largest λ accepting everything is the smallest ratio, .25
            assertEquals(0.25, solve(1.0), 0.25 * 1e-6);
        }

        @Test
        void budgetModeReportsTheSolvedLambda() {
            JackpotResult r = Jackpot.compute(JackpotConfig.builder().topK(1).targetAcceptance(.5).build(), budgetBatch());
            assertEquals(1.375, r.metric(JackpotMetric.LAMBDA), 1.375 * 1e-6);
            assertEquals(0.5, r.metric(JackpotMetric.EXPECTED_ACCEPTANCE), 1e-6);
            assertThrows(IllegalArgumentException.class,
                    () -> Jackpot.solveLambda(JackpotConfig.defaults(), budgetBatch()));
        }
    }
}
