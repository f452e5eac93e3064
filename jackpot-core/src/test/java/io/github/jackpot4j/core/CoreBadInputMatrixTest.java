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
