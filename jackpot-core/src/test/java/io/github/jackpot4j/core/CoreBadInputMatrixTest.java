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
