package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad inputs to the core, one case per row: each must throw the expected exception type with a
 * message that names the offending input (batch key, configuration key or statistics index), never
 * give a silent NaN. See docs/reliability.md.
 */
class CoreBadInputMatrixTest {
    /** One row of the matrix: a name, the call, and the text its message must contain. */
    private record Case(String name, Executable call, String mustName) {
    }

    private static final List<Case> CASES = new ArrayList<>();

    private static void add(String name, String mustName, Executable call) {
        CASES.add(new Case(name, call, mustName));
    }

    /** A valid B = 1, T = 2, k = 1 builder over plain arrays; cases replace one input. */
    private static JackpotBatch.Builder valid() {
        return JackpotBatch.builder(1, 2, 1).step(0)
                .rolloutLogProbs(new float[2]).oldLogProbs(new float[2]).logProbs(new float[2])
                .advantages(new float[2])
                .rolloutTopK(new int[2], new float[2]).targetTopK(new int[2], new float[2])
                .targetLogProbsAtRolloutTopK(new float[2]);
    }

    static {
        // 1. Plain arrays must hold exactly B*T (or B*T*k) elements, and the message names the input.
        String[] tokenInputs = {"response_mask", "rollout_log_probs", "old_log_probs", "log_probs", "advantages",
                "uniforms"};
        List<Function<float[], JackpotBatch.Builder>> tokenSetters = List.of(
                v -> valid().responseMask(v), v -> valid().rolloutLogProbs(v), v -> valid().oldLogProbs(v),
                v -> valid().logProbs(v), v -> valid().advantages(v), v -> valid().uniforms(v));
        for (int i = 0; i < tokenInputs.length; i++) {
            Function<float[], JackpotBatch.Builder> setter = tokenSetters.get(i);
            String key = tokenInputs[i];
            add(key + " too long", key + " has 6 elements but [B,T] = [1,2] needs 2",
                    () -> setter.apply(new float[6]).build());
            add(key + " too short", key + " has 1 elements but [B,T] = [1,2] needs 2",
                    () -> setter.apply(new float[1]).build());
            add(key + " null", key + " is null", () -> setter.apply(null).build());
        }
        add("response_mask int[] too long", "response_mask has 3 elements",
                () -> valid().responseMask(new int[3]).build());
        add("rollout_topk_ids too long", "rollout_topk_ids has 3 elements but [B,T,k] = [1,2,1] needs 2",
                () -> valid().rolloutTopK(new int[3], new float[2]).build());
        add("rollout_topk_ids (long[]) too short", "rollout_topk_ids has 1 elements",
                () -> valid().rolloutTopK(new long[1], new float[2]).build());
        add("rollout_topk_log_probs too long", "rollout_topk_log_probs has 4 elements",
                () -> valid().rolloutTopK(new int[2], new float[4]).build());
        add("target_topk_ids too long", "target_topk_ids has 4 elements",
                () -> valid().targetTopK(new int[4], new float[2]).build());
        add("target_topk_ids (long[]) too long", "target_topk_ids has 4 elements",
                () -> valid().targetTopK(new long[4], new float[2]).build());
        add("target_topk_log_probs too short", "target_topk_log_probs has 0 elements",
                () -> valid().targetTopK(new int[2], new float[0]).build());
        add("target_log_probs_at_rollout_topk too long", "target_log_probs_at_rollout_topk has 3 elements",
                () -> valid().targetLogProbsAtRolloutTopK(new float[3]).build());
        add("rollout_log_probs_at_target_topk too long", "rollout_log_probs_at_target_topk has 3 elements",
                () -> valid().rolloutLogProbsAtTargetTopK(new float[3]).build());
        add("k = 2 lists over k = 1 arrays", "rollout_topk_ids has 2 elements but [B,T,k] = [1,2,2] needs 4",
                () -> JackpotBatch.builder(1, 2, 2).rolloutTopK(new int[2], new float[2]));
    }

    static {
        // 3./4. Configuration values that are legal doubles but would overflow a kernel: subnormal or
        // extreme λ, loss_scale_factor, c1, and top-k lengths whose scratch sizes overflow.
        add("jackpot_lambda subnormal", "jackpot_lambda = 1.0E-310",
                () -> JackpotConfig.builder().lambda(1e-310).build());
        add("jackpot_lambda below floor", "jackpot_lambda = 1.0E-31 must be in [1.0E-30, 1.0E30]",
                () -> JackpotConfig.builder().lambda(1e-31).build());
        add("jackpot_lambda above ceiling", "jackpot_lambda = 1.0E31",
                () -> JackpotConfig.builder().lambda(1e31).build());
        add("jackpot_lambda subnormal via fromMap", "jackpot_lambda",
                () -> JackpotConfig.fromMap(java.util.Map.of("jackpot_lambda", 1e-310)));
        add("jackpot_lambda NaN", "jackpot_lambda = NaN", () -> JackpotConfig.builder().lambda(Double.NaN).build());
        add("withLambda subnormal", "jackpot_lambda", () -> JackpotConfig.builder().build().withLambda(1e-310));
        add("loss_scale_factor subnormal", "loss_scale_factor = 1.0E-320 must be >= 1.0E-6",
                () -> JackpotConfig.builder().lossScaleFactor(1e-320).build());
        add("loss_scale_factor below floor", "loss_scale_factor = 1.0E-7 must be >= 1.0E-6",
                () -> JackpotConfig.builder().lossScaleFactor(1e-7).build());
        add("loss_scale_factor via fromMap", "loss_scale_factor",
                () -> JackpotConfig.fromMap(java.util.Map.of("loss_scale_factor", "1e-320")));
        add("jackpot_clip_ratio subnormal", "jackpot_clip_ratio = 1.0E-310",
                () -> JackpotConfig.builder().weightClip(1e-310).build());
        add("jackpot_clip_ratio above ceiling", "jackpot_clip_ratio = 3.4028234663852886E38",
                () -> JackpotConfig.builder().weightClip(Float.MAX_VALUE).build());
        add("jackpot_log_probs_to_keep 2^31-1", "jackpot_log_probs_to_keep = 2147483647 must be <= 1048576",
                () -> JackpotConfig.builder().topK(Integer.MAX_VALUE).build());
        add("jackpot_log_probs_to_keep 2^28", "jackpot_log_probs_to_keep = 268435456",
                () -> JackpotConfig.builder().topK(1 << 28).build());
        add("jackpot_log_probs_to_keep 2^20+1 via fromMap", "jackpot_log_probs_to_keep = 1048577",
                () -> JackpotConfig.fromMap(java.util.Map.of("jackpot_log_probs_to_keep", (1 << 20) + 1)));
        add("batch k = 2^31-1", "k = 2147483647 exceeds the maximum 1048576 (2^20) of jackpot_log_probs_to_keep",
                () -> JackpotBatch.builder(1, 1, Integer.MAX_VALUE));
        add("batch k = 2^28", "jackpot_log_probs_to_keep", () -> JackpotBatch.builder(1, 1, 1 << 28));
        add("batch k = 2^20+1 with B = T = 0", "jackpot_log_probs_to_keep",
                () -> JackpotBatch.builder(0, 0, (1 << 20) + 1));
    }

    static {
        // Element values (MATH.md §1): the message starts with name[index].
        float nan = Float.NaN;
        float inf = Float.POSITIVE_INFINITY;
        add("log_probs NaN", "log_probs[0,1] = NaN is NaN", () -> valid().logProbs(new float[] {0f, nan}).build());
        add("old_log_probs +inf", "old_log_probs[0,0] = Infinity is +inf",
                () -> valid().oldLogProbs(new float[] {inf, 0f}).build());
        add("rollout_log_probs positive", "rollout_log_probs[0,1] = 0.5 is a positive log-prob",
                () -> valid().rolloutLogProbs(new float[] {0f, 0.5f}).build());
        add("rollout_log_probs 2e-4 beyond tolerance", "rollout_log_probs[0,0] = 2.0E-4",
                () -> valid().rolloutLogProbs(new float[] {2e-4f, 0f}).build());
        add("rollout_topk_log_probs NaN", "rollout_topk_log_probs[0,1,0] = NaN",
                () -> valid().rolloutTopK(new int[2], new float[] {0f, nan}).build());
        add("target_topk_log_probs positive", "target_topk_log_probs[0,0,0] = 1.0",
                () -> valid().targetTopK(new int[2], new float[] {1f, 0f}).build());
        add("target_log_probs_at_rollout_topk +inf", "target_log_probs_at_rollout_topk[0,1,0] = Infinity",
                () -> valid().targetLogProbsAtRolloutTopK(new float[] {0f, inf}).build());
        add("rollout_log_probs_at_target_topk NaN", "rollout_log_probs_at_target_topk[0,0,0] = NaN",
                () -> valid().rolloutLogProbsAtTargetTopK(new float[] {nan, 0f}).build());
        add("advantages NaN", "advantages[0,1] = NaN is not finite",
                () -> valid().advantages(new float[] {0f, nan}).build());
        add("advantages -inf", "advantages[0,0] = -Infinity is not finite",
                () -> valid().advantages(new float[] {Float.NEGATIVE_INFINITY, 0f}).build());
        add("response_mask 0.5", "response_mask[0,1] = 0.5 must be 0 or 1",
                () -> valid().responseMask(new float[] {1f, 0.5f}).build());
        add("response_mask NaN", "response_mask[0,0] = NaN", () -> valid().responseMask(new float[] {nan, 1f}).build());
        add("uniforms 1.0", "uniforms[0,0] = 1.0 is outside [0, 1)", () -> valid().uniforms(new float[] {1f, 0f}).build());
        add("uniforms negative", "uniforms[0,1] = -1.0E-7", () -> valid().uniforms(new float[] {0f, -1e-7f}).build());
        add("rollout_topk_ids = V", "rollout_topk_ids[0,1,0] = 2 is outside the vocabulary [0, 2)",
                () -> valid().vocabSize(2).rolloutTopK(new int[] {0, 2}, new float[2]).build());
        add("target_topk_ids negative", "target_topk_ids[0,0,0] = -1",
                () -> valid().targetTopK(new int[] {-1, 0}, new float[2]).build());
        add("target_topk_ids beyond int (long[])", "target_topk_ids[0,0,0] = 4294967296",
                () -> valid().targetTopK(new long[] {1L << 32, 0}, new float[2]).build());
        add("rollout_topk_ids duplicate", "rollout_topk_ids[0,1,1] = 3 repeats rollout_topk_ids[0,1,0]",
                () -> JackpotBatch.builder(1, 2, 2).step(0).rolloutLogProbs(new float[2]).oldLogProbs(new float[2])
                        .logProbs(new float[2]).advantages(new float[2])
                        .rolloutTopK(new int[] {0, 1, 3, 3}, new float[4]).targetTopK(new int[] {0, 1, 0, 1}, new float[4])
                        .targetLogProbsAtRolloutTopK(new float[4]).build());

        // Configuration keys beyond those of 3./4.
        add("jackpot_target_acceptance 0", "jackpot_target_acceptance = 0.0",
                () -> JackpotConfig.builder().targetAcceptance(0.0).build());
        add("jackpot_target_acceptance NaN", "jackpot_target_acceptance = NaN",
                () -> JackpotConfig.builder().targetAcceptance(Double.NaN).build());
        add("jackpot_target_acceptance 1.5", "jackpot_target_acceptance = 1.5",
                () -> JackpotConfig.builder().targetAcceptance(1.5).build());
        add("jackpot_clip_ratio +inf", "jackpot_clip_ratio = Infinity",
                () -> JackpotConfig.builder().weightClip(Double.POSITIVE_INFINITY).build());
        add("loss_scale_factor NaN", "loss_scale_factor = NaN",
                () -> JackpotConfig.builder().lossScaleFactor(Double.NaN).build());
        add("jackpot_log_probs_to_keep 0", "jackpot_log_probs_to_keep = 0", () -> JackpotConfig.builder().topK(0).build());
        add("batch k negative", "k=-1 must be non-negative", () -> JackpotBatch.builder(1, 1, -1));

        // 3. BatchStatistics.fromArray: consistency of an all-reduced sum, by index.
        add("statistics accepted > valid", "statistics[1] (accepted tokens) = 5.0 exceeds statistics[0]",
                () -> BatchStatistics.fromArray(new double[] {3, 5, 1, 1, 1}));
        add("statistics sequences > accepted", "statistics[4] (sequences) = 3.0 exceeds statistics[1]",
                () -> BatchStatistics.fromArray(new double[] {3, 2, 1, 1, 3}));
        add("statistics sum a > valid", "statistics[2] (sum of acceptance) = 3.5 exceeds statistics[0]",
                () -> BatchStatistics.fromArray(new double[] {3, 2, 3.5, 1, 1}));
        add("statistics fractional valid (averaged all-reduce)", "statistics[0] (valid tokens) = 2.5 must be a whole number",
                () -> BatchStatistics.fromArray(new double[] {2.5, 2, 1, 1, 1}));
        add("statistics subnormal accepted", "statistics[1] (accepted tokens) = 1.0E-320 must be a whole number",
                () -> BatchStatistics.fromArray(new double[] {3, 1e-320, 1, 1, 0}));
        add("statistics subnormal sequences", "statistics[4] (sequences) = 4.9E-324",
                () -> BatchStatistics.fromArray(new double[] {3, 2, 1, 1, Double.MIN_VALUE}));
        add("statistics NaN", "statistics[3] = NaN", () -> BatchStatistics.fromArray(new double[] {3, 2, 1, Double.NaN, 1}));
        add("statistics negative", "statistics[2] = -1.0", () -> BatchStatistics.fromArray(new double[] {3, 2, -1, 1, 1}));
        add("statistics +inf", "statistics[0] = Infinity",
                () -> BatchStatistics.fromArray(new double[] {Double.POSITIVE_INFINITY, 2, 1, 1, 1}));
        add("statistics wrong length", "statistics array must have 5 elements",
                () -> BatchStatistics.fromArray(new double[4]));
    }

    /** Legal extremes that used to give NaN, ∞ or a hang: they must compute, with every output finite. */
    private static final List<Object[]> LEGAL_EXTREMES = new ArrayList<>();

    private static void legal(String name, java.util.function.Supplier<JackpotResult> run) {
        LEGAL_EXTREMES.add(new Object[] {name, run});
    }

    private static JackpotBatch.Builder allAt(float logProb, boolean cross) {
        float[] two = {logProb, logProb};
        JackpotBatch.Builder b = JackpotBatch.builder(1, 2, 1).step(0).vocabSize(2)
                .rolloutLogProbs(two.clone()).oldLogProbs(two.clone()).logProbs(two.clone()).advantages(new float[] {1f, -1f})
                .rolloutTopK(new int[] {0, 0}, two.clone()).targetTopK(new int[] {1, 1}, two.clone())
                .targetLogProbsAtRolloutTopK(two.clone());
        return cross ? b.rolloutLogProbsAtTargetTopK(two.clone()) : b;
    }

    static {
        JackpotConfig k1 = JackpotConfig.builder().topK(1).build();
        legal("budget λ underflow: log_probs {0,-1000}, cross -inf, ā = 0.75", () -> Jackpot.compute(
                JackpotConfig.builder().topK(1).targetAcceptance(0.75).build(),
                JackpotBatch.builder(1, 2, 1).step(0).vocabSize(2).logProbs(new float[] {0f, -1000f})
                        .oldLogProbs(new float[] {0f, -1000f}).rolloutLogProbs(new float[2]).advantages(new float[] {1f, 1f})
                        .rolloutTopK(new int[2], new float[2]).targetTopK(new int[] {1, 1}, new float[2])
                        .targetLogProbsAtRolloutTopK(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY})
                        .rolloutLogProbsAtTargetTopK(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY})
                        .build()));
        legal("κ overflow: every top-k log-prob at -740", () -> Jackpot.compute(k1, allAt(-740f, true).build()));
        legal("every log-prob at -1e10", () -> Jackpot.compute(k1, allAt(-1e10f, true).build()));
        legal("every log-prob at -Float.MAX_VALUE", () -> Jackpot.compute(k1, allAt(-Float.MAX_VALUE, false).build()));
        legal("every log-prob -inf", () -> Jackpot.compute(k1, allAt(Float.NEGATIVE_INFINITY, true).build()));
        legal("every log-prob +1e-4 (tolerance)", () -> Jackpot.compute(k1, allAt(1e-4f * 0.999f, true).build()));
        legal("renorm of a subnormal mass: rollout top-k {-740, -inf}", () -> Jackpot.compute(
                JackpotConfig.builder().topK(2).useTopkRenorm(true).build(),
                JackpotBatch.builder(1, 1, 2).step(0).rolloutLogProbs(new float[1]).oldLogProbs(new float[1])
                        .logProbs(new float[1]).advantages(new float[] {1f})
                        .rolloutTopK(new int[] {0, 1}, new float[] {-740f, Float.NEGATIVE_INFINITY})
                        .targetTopK(new int[] {0, 2}, new float[] {-0.5f, -1f})
                        .targetLogProbsAtRolloutTopK(new float[] {-0.5f, -2f}).build()));
        legal("top-k at -110 (below float range)", () -> Jackpot.compute(k1, allAt(-110f, true).build()));
        legal("λ = 1e-30 (floor)", () -> Jackpot.compute(JackpotConfig.builder().topK(1).lambda(1e-30).build(),
                allAt(-5f, true).build()));
        legal("λ = 1e30 (ceiling)", () -> Jackpot.compute(JackpotConfig.builder().topK(1).lambda(1e30).build(),
                allAt(-5f, true).build()));
        legal("loss_scale_factor = 1e-6 (floor)", () -> Jackpot.compute(JackpotConfig.builder().topK(1)
                .lossAggMode(LossAggMode.SEQ_MEAN_TOKEN_SUM_NORM).lossScaleFactor(1e-6).build(), allAt(-1f, true).build()));
        legal("c1 = 1e29 (ceiling) with ratio e^80", () -> Jackpot.compute(
                JackpotConfig.builder().topK(1).weightClip(JackpotConfig.MAX_CLIP_RATIO).build(),
                allAt(-1f, true).rolloutLogProbs(new float[] {-81f, -81f}).build()));
        legal("statistics with ΣZ = 1e-320", () -> Jackpot.compute(k1, allAt(-1f, true).build(),
                BatchStatistics.fromArray(new double[] {2, 2, 2, 1e-320, 1})));
        legal("k = V = 1", () -> Jackpot.compute(k1, allAt(-0f, true).build()));
    }

    @TestFactory
    List<DynamicTest> everyLegalExtremeIsFinite() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Object[] row : LEGAL_EXTREMES) {
            String name = (String) row[0];
            @SuppressWarnings("unchecked")
            java.util.function.Supplier<JackpotResult> run = (java.util.function.Supplier<JackpotResult>) row[1];
            tests.add(DynamicTest.dynamicTest(name, () -> {
                JackpotResult r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                        java.time.Duration.ofSeconds(10), run::get, name);
                String bad = FiniteOutputs.firstNonFinite(r);
                assertEquals(null, bad, name + ": " + bad);
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> everyBadInputIsRefusedByName() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : CASES) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c.call(), c.name());
                assertTrue(e.getMessage() != null && e.getMessage().contains(c.mustName()),
                        () -> c.name() + ": message \"" + e.getMessage() + "\" does not contain \"" + c.mustName() + "\"");
            }));
        }
        return tests;
    }
}
