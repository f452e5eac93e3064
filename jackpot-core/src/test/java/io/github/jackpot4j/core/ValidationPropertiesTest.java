package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * Input validation (MATH.md §1) and finiteness (§10): one bad element anywhere in any input is an
 * {@link IllegalArgumentException} naming that input and that exact index; −∞ anywhere in a log-prob
 * input is legal and gives finite results; every output and metric is finite on any valid batch,
 * including an all-padding one.
 */
class ValidationPropertiesTest {

    /** What values an input may hold. */
    enum Rule { LOG_PROB, FINITE, MASK, UNIFORM, IDS }

    /** One input of the batch: its verl name, a private copy of its data, its shape and rule. */
    record Input(String name, float[] floats, int[] ids, int[] shape, Rule rule) {
        int size() {
            return floats != null ? floats.length : ids.length;
        }
    }

    /** Private copies of every input of a generated batch, including uniforms and both normalizer forms. */
    static final class Inputs {
        final SyntheticRollouts g;
        final List<Input> all;

        Inputs(SyntheticRollouts g, Target target, long uniformSeed) {
            this.g = g;
            int[] tokens = {g.batchSize, g.length};
            int[] lists = {g.batchSize, g.length, g.k};
            int[] full = {g.batchSize, g.length, g.vocabSize};
            SyntheticRollouts.TopKLists top = g.topK(target);
            float[] uniforms = RejectionUniforms.fill(uniformSeed, 0, 0, g.batchSize, g.length, new float[g.tokenCount()]);
            all = List.of(
                    new Input("response_mask", g.responseMask.clone(), null, tokens, Rule.MASK),
                    new Input("rollout_log_probs", g.rolloutLogProbs.clone(), null, tokens, Rule.LOG_PROB),
                    new Input("old_log_probs", g.oldLogProbs.clone(), null, tokens, Rule.LOG_PROB),
                    new Input("log_probs", g.logProbs.clone(), null, tokens, Rule.LOG_PROB),
                    new Input("advantages", g.advantages.clone(), null, tokens, Rule.FINITE),
                    new Input("uniforms", uniforms, null, tokens, Rule.UNIFORM),
                    new Input("rollout_topk_ids", null, top.rolloutIds.clone(), lists, Rule.IDS),
                    new Input("rollout_topk_log_probs", top.rolloutLogProbs.clone(), null, lists, Rule.LOG_PROB),
                    new Input("target_topk_ids", null, top.targetIds.clone(), lists, Rule.IDS),
                    new Input("target_topk_log_probs", top.targetLogProbs.clone(), null, lists, Rule.LOG_PROB),
                    new Input("target_log_probs_at_rollout_topk", top.targetAtRollout.clone(), null, lists, Rule.LOG_PROB),
                    new Input("rollout_log_probs_at_target_topk", top.rolloutAtTarget.clone(), null, lists, Rule.LOG_PROB),
                    new Input("rollout_full_log_probs", g.rolloutVocabLogProbs.clone(), null, full, Rule.LOG_PROB),
                    new Input("target_full_log_probs", g.targetVocabLogProbs(target).clone(), null, full, Rule.LOG_PROB));
        }

        float[] f(int i) {
            return all.get(i).floats();
        }

        int[] id(int i) {
            return all.get(i).ids();
        }

        /** Every input (top-k lists and, when asked, the full-vocabulary log-probs, which then define Z). */
        JackpotBatch build(boolean withFullVocab, boolean withUniforms) {
            JackpotBatch.Builder b = JackpotBatch.builder(g.batchSize, g.length, g.k).step(0).vocabSize(g.vocabSize)
                    .responseMask(f(0)).rolloutLogProbs(f(1)).oldLogProbs(f(2)).logProbs(f(3)).advantages(f(4))
                    .rolloutTopK(id(6), f(7)).targetTopK(id(8), f(9))
                    .targetLogProbsAtRolloutTopK(f(10)).rolloutLogProbsAtTargetTopK(f(11));
            if (withUniforms) {
                b.uniforms(f(5));
            }
            if (withFullVocab) {
                int[] full = {g.batchSize, g.length, g.vocabSize};
                b.fullVocabLogProbs(FloatView.of(f(12), full), FloatView.of(f(13), full));
            }
            return b.build();
        }
    }

    /** "[b,i]" or "[b,i,j]" for a flat row-major index, formatted independently of the library. */
    static String index(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        StringBuilder s = new StringBuilder("[");
        for (int d = 0; d < idx.length; d++) {
            s.append(d > 0 ? "," : "").append(idx[d]);
        }
        return s.append(']').toString();
    }

    @Test
    void oneBadElementIsReportedWithItsInputAndIndex() {
        Generators.qt(0x5EED_1001L, 1500)
                .forAll(Generators.specs(4, 6, 5, 20), integers().between(0, 13), integers().between(0, 3), longs().all())
                .checkAssert((spec, inputIndex, badKind, positionSeed) -> {
                    SyntheticRollouts g = spec.generate();
                    Inputs inputs = new Inputs(g, Target.LATEST, positionSeed);
                    inputs.build(true, true); // the unmodified batch is valid
                    Input input = inputs.all.get(inputIndex);
                    SplittableRandom random = new SplittableRandom(positionSeed);
                    int position = random.nextInt(input.size());
                    String reported;
                    String also = null;
                    String value;
                    if (input.rule() == Rule.IDS) {
                        int k = g.k;
                        if (badKind % 2 == 1 && k >= 2) {
                            // Duplicate: copy another id of the same list; the later of the two is reported.
                            int list = position / k;
                            int j1 = random.nextInt(k);
                            int j2 = (j1 + 1 + random.nextInt(k - 1)) % k;
                            input.ids()[list * k + j2] = input.ids()[list * k + j1];
                            position = list * k + Math.max(j1, j2);
                            also = input.name() + index(list * k + Math.min(j1, j2), input.shape());
                            value = "duplicate of j=" + j1;
                        } else {
                            int bad = badKind < 2 ? g.vocabSize + random.nextInt(1000) : -1 - random.nextInt(1000);
                            input.ids()[position] = bad;
                            value = Integer.toString(bad);
                        }
                    } else {
                        float bad = badValue(input.rule(), badKind, random);
                        input.floats()[position] = bad;
                        value = Float.toString(bad);
                    }
                    reported = input.name() + index(position, input.shape());
                    String where = spec + ": " + reported + " = " + value;
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> inputs.build(true, true), () -> where + " was accepted");
                    assertTrue(e.getMessage().startsWith(reported + " = "),
                            () -> where + ": message does not start with '" + reported + " = ': " + e.getMessage());
                    if (also != null) {
                        final String first = also;
                        assertTrue(e.getMessage().contains(first), () -> where + ": message does not name the first"
                                + " occurrence " + first + ": " + e.getMessage());
                    }
                });
    }

    private static float badValue(Rule rule, int kind, SplittableRandom random) {
        switch (rule) {
            case LOG_PROB:
                // Positive log-probs beyond the 1e-4 tolerance of MATH.md §1.
                return kind == 0 ? Float.NaN : kind == 1 ? Float.POSITIVE_INFINITY
                        : (float) (2e-4 + random.nextDouble() * (kind == 2 ? 1e-3 : 50));
            case FINITE:
                return kind == 0 ? Float.NaN : kind == 1 ? Float.POSITIVE_INFINITY
                        : kind == 2 ? Float.NEGATIVE_INFINITY : Float.MAX_VALUE * 2;
            case MASK:
                return kind == 0 ? Float.NaN : kind == 1 ? 0.5f : kind == 2 ? -1f : 2f;
            case UNIFORM:
                return kind == 0 ? Float.NaN : kind == 1 ? 1f : kind == 2 ? -0.25f : Float.POSITIVE_INFINITY;
            default:
                throw new AssertionError(rule);
        }
    }

    @Test
    void negativeInfinityAnywhereIsLegalAndGivesFiniteResults() {
        Generators.qt(0x5EED_1002L, 1000)
                .forAll(Generators.specs(4, 6, 5, 20), integers().between(0, 13), Generators.configs(), longs().all())
                .checkAssert((spec, inputIndex, config0, positionSeed) -> {
                    SyntheticRollouts g = spec.generate();
                    JackpotConfig config = Generators.withTopK(config0, g.k);
                    Inputs inputs = new Inputs(g, config.target(), positionSeed);
                    Input input = inputs.all.get(inputIndex);
                    if (input.rule() != Rule.LOG_PROB) {
                        return; // −∞ is a log-prob value; other inputs have their own rules
                    }
                    int position = new SplittableRandom(positionSeed).nextInt(input.size());
                    input.floats()[position] = Float.NEGATIVE_INFINITY;
                    // The full-vocabulary inputs only matter when given; the top-k ones only without them.
                    boolean fullVocab = input.name().endsWith("_full_log_probs");
                    JackpotBatch batch = inputs.build(fullVocab, false);
                    String where = spec + ", " + config + ": " + input.name() + index(position, input.shape()) + " = -inf";
                    assertAllFinite(Jackpot.compute(config, batch), where);
                });
    }

    @Test
    void everyOutputAndMetricIsFiniteOnValidBatchesIncludingAllPadding() {
        Generators.qt(0x5EED_1003L, 600)
                .forAll(Generators.specs(6, 10, 5, 30), Generators.configs(), Generate.enumValues(SyntheticRollouts.Inputs.class),
                        Generate.booleans())
                .checkAssert((spec, config0, mode, allPadding) -> {
                    SyntheticRollouts g = spec.generate();
                    if (allPadding) {
                        Arrays.fill(g.responseMask, 0f);
                    }
                    JackpotConfig config = Generators.withTopK(config0, g.k);
                    String where = spec + ", " + config + ", mode=" + mode + ", allPadding=" + allPadding;
                    JackpotResult r = Jackpot.compute(config, g.batch(config.target(), mode));
                    assertAllFinite(r, where);
                    if (allPadding) {
                        assertEquals(0.0, r.loss(), 0.0, where);
                        for (JackpotMetric m : JackpotMetric.values()) {
                            if (m != JackpotMetric.KAPPA && m != JackpotMetric.LAMBDA) {
                                assertEquals(0.0, r.metric(m), 0.0, () -> where + ": " + m.key());
                            }
                        }
                        assertEquals(1.0, r.kappa(), 0.0, () -> where + ": kappa falls back to 1");
                        for (float[] a : new float[][] {r.weights(), r.acceptMask(), r.zApprox(), r.z(), r.perTokenLoss(),
                                r.gradLogProbs()}) {
                            for (float x : a) {
                                assertEquals(0f, x, () -> where + ": padding output must be 0");
                            }
                        }
                    }
                });
    }

    static void assertAllFinite(JackpotResult r, String where) {
        String[] names = {"weights", "acceptMask", "zApprox", "z", "perTokenLoss", "gradLogProbs"};
        float[][] arrays = {r.weights(), r.acceptMask(), r.zApprox(), r.z(), r.perTokenLoss(), r.gradLogProbs()};
        for (int a = 0; a < arrays.length; a++) {
            for (int t = 0; t < arrays[a].length; t++) {
                if (!Float.isFinite(arrays[a][t])) {
                    throw new AssertionError(where + ": " + names[a] + "[" + t + "] = " + arrays[a][t]);
                }
            }
        }
        assertTrue(Double.isFinite(r.loss()), () -> where + ": loss = " + r.loss());
        assertTrue(Double.isFinite(r.kappa()), () -> where + ": kappa = " + r.kappa());
        for (Map.Entry<String, Double> m : r.metrics().entrySet()) {
            assertTrue(Double.isFinite(m.getValue()), () -> where + ": " + m.getKey() + " = " + m.getValue());
        }
        for (double s : r.statistics().toArray()) {
            assertTrue(Double.isFinite(s), () -> where + ": statistics " + r.statistics());
        }
    }
}
