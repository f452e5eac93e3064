package io.github.jackpot4j.core;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Right across steps and micro-batches (MATH.md §3, §5, §7): fresh draws at every step, the parts of
 * a step adding up to the whole, the mistakes a trainer can make refused, and the settings under
 * which the Jackpot loss is exactly PPO or TIS (docs/math.md, "Sanity: when Jackpot is PPO or TIS").
 */
class TrainingLoopTest {

    /** 512 tokens with every a_t = 0.5 (equal log-probs, λ = 2), drawn at {@code step}. */
    private static float[] halfAcceptanceMask(long step) {
        int b = 16;
        int t = 32;
        int n = b * t;
        JackpotBatch batch = JackpotBatch.builder(b, t, 1).step(step)
                .rolloutLogProbs(new float[n]).oldLogProbs(new float[n]).logProbs(new float[n]).advantages(new float[n])
                .rolloutTopK(new int[n], new float[n]).targetTopK(new int[n], new float[n])
                .targetLogProbsAtRolloutTopK(new float[n]).build();
        JackpotConfig config = JackpotConfig.builder().topK(1).lambda(2.0).seed(5).build();
        return Jackpot.compute(config, batch).acceptMask();
    }

    @Nested
    class FreshDraws {
        @Test
        void consecutiveStepsAgreeOnlyAsIndependentDrawsWould() {
            // Independent Bernoulli(½) masks of 512 tokens agree on Binomial(512, ½) tokens: mean 256, sd 11.3;
            // [200, 312] is ±5 sd. Draws that ignored the step would agree on all 512.
            float[] first = halfAcceptanceMask(41);
            float[] second = halfAcceptanceMask(42);
            int agree = 0;
            int accepted = 0;
            for (int i = 0; i < first.length; i++) {
                agree += first[i] == second[i] ? 1 : 0;
                accepted += (int) first[i];
            }
            assertTrue(agree >= 200 && agree <= 312, "masks of steps 41 and 42 agree on " + agree + " of 512 tokens");
            assertTrue(accepted >= 200 && accepted <= 312, accepted + " of 512 accepted at a = 0.5");
            // and the same step draws the same mask again
            assertArrayEquals(first, halfAcceptanceMask(41));
        }

        @Test
        void aJackpotBatchWithoutAStepIsRefused() {
            int n = 2;
            JackpotBatch noStep = JackpotBatch.builder(1, 2, 1).rolloutLogProbs(new float[n]).oldLogProbs(new float[n])
                    .logProbs(new float[n]).advantages(new float[n]).rolloutTopK(new int[n], new float[n])
                    .targetTopK(new int[n], new float[n]).targetLogProbsAtRolloutTopK(new float[n]).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Jackpot.compute(JackpotConfig.builder().topK(1).build(), noStep));
            assertTrue(e.getMessage().startsWith("step is not set"), e.getMessage());
            // the baseline draws nothing, so it needs no step
            Jackpot.compute(JackpotConfig.builder().topK(1).useJackpot(false).build(), noStep);
            assertThrows(IllegalArgumentException.class, () -> JackpotBatch.builder(1, 1).step(-1));
        }
    }

    private static SyntheticRollouts generated() {
        return SyntheticRollouts.builder().seed(23L).batchSize(7).length(6).vocabSize(9).topK(4)
                .logitScale(1.5).mismatch(1.0).padFraction(0.3).maskedProb(0.05).build();
    }

    @Nested
    class MicroBatches {
        @Test
        void splitPartsAddUpToTheWholeBatchByConstruction() {
            SyntheticRollouts g = generated();
            JackpotBatch whole = g.batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K);
            for (LossAggMode mode : LossAggMode.values()) {
                JackpotConfig config = JackpotConfig.builder().topK(4).lambda(0.7).lossAggMode(mode).build();
                JackpotResult one = Jackpot.compute(config, whole);
                for (int rows : new int[] {1, 2, 3, 7}) {
                    List<JackpotBatch> parts = whole.split(rows);
                    List<JackpotResult> results = Jackpot.computeParts(config, parts);
                    double loss = 0;
                    int t = 0;
                    for (int p = 0; p < parts.size(); p++) {
                        assertEquals(p * rows, parts.get(p).sequenceOffset());
                        JackpotResult r = results.get(p);
                        loss += r.loss();
                        for (int i = 0; i < r.acceptMask().length; i++, t++) {
                            assertEquals(one.acceptMask()[t], r.acceptMask()[i], "mask at " + t);
                            assertEquals(one.weights()[t], r.weights()[i], "weight at " + t);
                            assertEquals(one.gradLogProbs()[t], r.gradLogProbs()[i], "gradient at " + t);
                        }
                    }
                    assertEquals(one.loss(), loss, 1e-12 * Math.max(1, Math.abs(one.loss())), mode + " rows " + rows);
                }
            }
        }

        @Test
        void budgetModePartsSolveOneLambdaOverTheWholeBatch() {
            JackpotBatch whole = generated().batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K);
            JackpotConfig config = JackpotConfig.builder().topK(4).targetAcceptance(0.6).build();
            JackpotResult one = Jackpot.compute(config, whole);
            List<JackpotResult> parts = Jackpot.computeParts(config, whole.split(2));
            double loss = 0;
            for (JackpotResult r : parts) {
                assertEquals(one.metric(JackpotMetric.LAMBDA), r.metric(JackpotMetric.LAMBDA), 0.0);
                loss += r.loss();
            }
            assertEquals(one.loss(), loss, 1e-12 * Math.max(1, Math.abs(one.loss())));
        }

        @Test
        void aPartComputedWithoutTheMergedStatisticsIsRefused() {
            JackpotBatch whole = generated().batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K);
            JackpotConfig config = JackpotConfig.builder().topK(4).build();
            JackpotBatch second = whole.split(3).get(1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Jackpot.compute(config, second));
            assertTrue(e.getMessage().contains("micro-batch") && e.getMessage().contains("computeParts"), e.getMessage());
        }

        @Test
        void partsWithoutTheirSequenceOffsetAreRefused() {
            SyntheticRollouts g = generated();
            JackpotConfig config = JackpotConfig.builder().topK(4).build();
            // rows [0,3) and [3,7) built as separate batches, the second one forgetting its offset
            JackpotBatch head = g.batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K, 0, 3);
            JackpotBatch tailAtZero = g.batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K, 3, 7, 0L);
            IllegalArgumentException parts = assertThrows(IllegalArgumentException.class,
                    () -> Jackpot.computeParts(config, List.of(head, tailAtZero)));
            assertTrue(parts.getMessage().contains("parts[1] starts at global sequence 0"), parts.getMessage());
            // the hand-written loop: merging the overlapping statistics fails, naming the cure
            IllegalArgumentException merge = assertThrows(IllegalArgumentException.class,
                    () -> Jackpot.statistics(config, head).merge(Jackpot.statistics(config, tailAtZero)));
            assertTrue(merge.getMessage().contains("overlapping sequences [0, 3) and [0, 4)"), merge.getMessage());
            // with the offset everything agrees with the whole batch
            JackpotBatch tail = g.batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K, 3, 7);
            BatchStatistics global = Jackpot.statistics(config, head).merge(Jackpot.statistics(config, tail));
            JackpotResult whole = Jackpot.compute(config, g.batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K));
            double loss = Jackpot.compute(config, head, global).loss() + Jackpot.compute(config, tail, global).loss();
            assertEquals(whole.loss(), loss, 1e-12 * Math.max(1, Math.abs(loss)));
            // statistics of the head alone do not cover the tail's sequences
            IllegalArgumentException cover = assertThrows(IllegalArgumentException.class,
                    () -> Jackpot.compute(config, tail, Jackpot.statistics(config, head)));
            assertTrue(cover.getMessage().contains("covers global sequences [3, 7) but the statistics cover [0, 3)"),
                    cover.getMessage());
        }

        @Test
        void statisticsOfAnotherStepOrConfigurationAreRefused() {
            SyntheticRollouts g = generated();
            JackpotConfig config = JackpotConfig.builder().topK(4).build();
            JackpotBatch step0 = g.batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K);
            JackpotBatch step1 = g.batchBuilder(Target.LATEST, SyntheticRollouts.Inputs.TOP_K, 0, 7).step(1).build();
            BatchStatistics stale = Jackpot.statistics(config, step0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Jackpot.compute(config, step1, stale));
            assertTrue(e.getMessage().contains("taken at step 0 but the batch is step 1"), e.getMessage());
            IllegalArgumentException merge = assertThrows(IllegalArgumentException.class,
                    () -> stale.merge(Jackpot.statistics(config, step1)));
            assertTrue(merge.getMessage().contains("step 0 and step 1"), merge.getMessage());
            JackpotConfig otherSeed = config.toBuilder().seed(9).build();
            IllegalArgumentException seed = assertThrows(IllegalArgumentException.class,
                    () -> Jackpot.compute(otherSeed, step0, stale));
            assertTrue(seed.getMessage().contains("another configuration"), seed.getMessage());
            // keys that only shape the loss may differ: the same statistics serve every aggregation mode
            Jackpot.compute(config.toBuilder().lossAggMode(LossAggMode.TOKEN_SUM).build(), step0, stale);
        }

        @Test
        void anAllReduceKeepsWhatTheStatisticsWereTakenOf() {
            SyntheticRollouts g = generated();
            JackpotConfig config = JackpotConfig.builder().topK(4).build();
            // two "ranks": rows [0,3) and [3,7) of one step
            JackpotBatch rank0 = g.batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K, 0, 3);
            JackpotBatch rank1 = g.batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K, 3, 7);
            double[] s0 = Jackpot.statistics(config, rank0).toArray();
            double[] s1 = Jackpot.statistics(config, rank1).toArray();
            double[] reduced = new double[BatchStatistics.ARRAY_LENGTH];
            for (int i = 0; i < reduced.length; i++) {
                reduced[i] = s0[i] + s1[i]; // what allReduceSum leaves on every rank
            }
            BatchStatistics global0 = Jackpot.statistics(config, rank0).allReduced(reduced);
            BatchStatistics global1 = Jackpot.statistics(config, rank1).allReduced(reduced);
            JackpotResult whole = Jackpot.compute(config, g.batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K));
            double loss = Jackpot.compute(config, rank0, global0).loss() + Jackpot.compute(config, rank1, global1).loss();
            assertEquals(whole.loss(), loss, 1e-12 * Math.max(1, Math.abs(loss)));
            assertEquals(0, global0.step());
            JackpotBatch nextStep = g.batchBuilder(Target.LATEST, SyntheticRollouts.Inputs.TOP_K, 0, 3).step(1).build();
            assertThrows(IllegalArgumentException.class, () -> Jackpot.compute(config, nextStep, global0));
        }
    }

    /**
     * The settings under which the Jackpot loss is exactly the PPO (or TIS) loss; docs/math.md lists
     * them. A researcher can copy these as a first sanity test.
     */
    @Nested
    class Sanity {
        /** A batch whose rollout model is the PPO anchor (ℓ_inf = ℓ_old, the same full distributions). */
        private SyntheticRollouts rolloutIsTheAnchor() {
            SyntheticRollouts g = SyntheticRollouts.builder().seed(31L).batchSize(5).length(7).vocabSize(8).topK(3)
                    .logitScale(1.0).mismatch(0.8).padFraction(0.2).maskedProb(0.0).build();
            System.arraycopy(g.oldVocabLogProbs, 0, g.rolloutVocabLogProbs, 0, g.oldVocabLogProbs.length);
            System.arraycopy(g.oldLogProbs, 0, g.rolloutLogProbs, 0, g.oldLogProbs.length);
            return g;
        }

        /** verl's vanilla PPO loss (MATH.md §7), token-mean over valid tokens, written out independently. */
        private double ppo(SyntheticRollouts g, double eps, double dual) {
            double sum = 0;
            int n = 0;
            for (int t = 0; t < g.responseMask.length; t++) {
                if (g.responseMask[t] == 0) {
                    continue;
                }
                double adv = g.advantages[t];
                double r = Math.exp(Math.max(-20, Math.min(20, (double) g.logProbs[t] - g.oldLogProbs[t])));
                double lc = Math.max(-adv * r, -adv * Math.max(1 - eps, Math.min(1 + eps, r)));
                sum += adv < 0 ? Math.min(-adv * dual, lc) : lc;
                n++;
            }
            return n == 0 ? 0 : sum / n;
        }

        @Test
        void jackpotIsPpoWhenTheRolloutModelIsTheAnchorAndTheTargetIsTheReference() {
            // rollout = old policy, jackpot_target = reference, λ ≤ 1: a = 1 (nothing rejected); exact normalizer
            // (full vocabulary) Z = 1, so κ = 1 and w = max(λ, 1) = 1; the residual ratio is 1, F(1) = 1: ρ = 1.
            SyntheticRollouts g = rolloutIsTheAnchor();
            JackpotBatch batch = g.batch(Target.REFERENCE, SyntheticRollouts.Inputs.FULL_VOCAB);
            JackpotConfig jackpot = JackpotConfig.builder().topK(3).target(Target.REFERENCE).lambda(1.0).build();
            JackpotConfig ppo = jackpot.toBuilder().useJackpot(false).rolloutIs(RolloutIs.NONE).build();
            JackpotResult j = Jackpot.compute(jackpot, batch);
            JackpotResult p = Jackpot.compute(ppo, batch);
            assertEquals(1.0, j.metric(JackpotMetric.ACCEPTANCE_RATE), 0.0);
            assertEquals(ppo(g, 0.2, 3.0), p.loss(), 1e-9);
            assertEquals(p.loss(), j.loss(), 1e-6 * Math.max(1, Math.abs(p.loss())));
            assertArrayEquals(p.gradLogProbs(), j.gradLogProbs(), 1e-6f);
        }

        @Test
        void withCachedTopKListsMaskOnlyJackpotIsPpo() {
            // k < V: Zapprox < 1, so without full logits use jackpot_mask_only (w = 1); still a = 1 and F(1) = 1.
            SyntheticRollouts g = rolloutIsTheAnchor();
            JackpotBatch batch = g.batch(Target.REFERENCE, SyntheticRollouts.Inputs.TOP_K);
            JackpotConfig jackpot = JackpotConfig.builder().topK(3).target(Target.REFERENCE).maskOnly(true).build();
            JackpotResult j = Jackpot.compute(jackpot, batch);
            assertEquals(ppo(g, 0.2, 3.0), j.loss(), 1e-6);
        }

        @Test
        void asLambdaVanishesJackpotIsTruncatedIsWithThresholdC1() {
            // λ below every p/q: a = 1 for every token and Z = Σ_V min(q, p/λ) = Σ q = 1, so w = ratio and
            // ρ = min(ratio, c1)·F(1): token-level TIS with threshold C = c1 (target = reference).
            SyntheticRollouts g = SyntheticRollouts.builder().seed(37L).batchSize(5).length(7).vocabSize(8).topK(3)
                    .logitScale(1.0).mismatch(0.8).padFraction(0.2).maskedProb(0.0).build();
            double minRatio = Double.POSITIVE_INFINITY;
            for (int i = 0; i < g.oldVocabLogProbs.length; i++) {
                minRatio = Math.min(minRatio, Math.exp((double) g.oldVocabLogProbs[i] - g.rolloutVocabLogProbs[i]));
            }
            JackpotBatch batch = g.batch(Target.REFERENCE, SyntheticRollouts.Inputs.FULL_VOCAB);
            JackpotConfig jackpot = JackpotConfig.builder().topK(3).target(Target.REFERENCE).lambda(minRatio / 2)
                    .weightClip(2.5).build();
            JackpotConfig tis = JackpotConfig.builder().topK(3).useJackpot(false).rolloutIsThreshold(ResidualCorrection.truncate(2.5)).build();
            JackpotResult j = Jackpot.compute(jackpot, batch);
            JackpotResult t = Jackpot.compute(tis, batch);
            assertEquals(1.0, j.metric(JackpotMetric.ACCEPTANCE_RATE), 0.0);
            assertEquals(t.loss(), j.loss(), 1e-5 * Math.max(1, Math.abs(t.loss())));
            assertArrayEquals(t.weights(), j.weights(), 1e-5f);
        }
    }
}
