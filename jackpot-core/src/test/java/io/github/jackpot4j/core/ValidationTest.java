package io.github.jackpot4j.core;

import static io.github.jackpot4j.core.HandComputedTest.ln;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/** MATH.md §1: every bad input is rejected at build() with the input's name, the index and the rule. */
class ValidationTest {
    /** A valid batch of B = 2, T = 3, k = 2, V = 10 to break one element of. */
    static JackpotBatch.Builder valid() {
        float[] tokens = {ln(.5), ln(.5), ln(.5), ln(.5), ln(.5), ln(.5)};
        float[] lists = new float[12];
        int[] ids = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
        return JackpotBatch.builder(2, 3, 2).step(0).vocabSize(10)
                .rolloutLogProbs(tokens.clone()).oldLogProbs(tokens.clone()).logProbs(tokens.clone())
                .advantages(new float[6]).responseMask(new float[] {1, 1, 1, 1, 1, 0})
                .rolloutTopK(ids.clone(), lists.clone()).targetTopK(ids.clone(), lists.clone())
                .targetLogProbsAtRolloutTopK(lists.clone());
    }

    private static void assertMessage(String expected, Consumer<JackpotBatch.Builder> breakIt) {
        JackpotBatch.Builder b = valid();
        breakIt.accept(b);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertEquals(expected, e.getMessage());
    }

    /**
     * {@code buildTrusted()} checks shapes but not values (for inputs checked elsewhere): a value
     * {@code build()} refuses passes, a wrong shape does not, and a valid batch gives the same bits.
     */
    @Test
    void buildTrustedChecksShapesButNotValues() {
        float[] badMask = {1, 1, 0.5f, 1, 1, 0};
        assertThrows(IllegalArgumentException.class, () -> valid().responseMask(badMask).build());
        valid().responseMask(badMask).buildTrusted();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> valid().advantages(new float[5]).buildTrusted());
        assertEquals("advantages has 5 elements but [B,T] = [2,3] needs 6", e.getMessage());
        JackpotConfig config = JackpotConfig.builder().topK(2).build();
        JackpotResult checked = Jackpot.compute(config, valid().build());
        JackpotResult trusted = Jackpot.compute(config, valid().buildTrusted());
        assertEquals(checked.loss(), trusted.loss(), 0.0);
        org.junit.jupiter.api.Assertions.assertArrayEquals(checked.weights(), trusted.weights());
    }

    @Test
    void logProbRules() {
        float[] nan = {ln(.5), ln(.5), ln(.5), ln(.5), Float.NaN, ln(.5)};
        assertMessage("log_probs[1,1] = NaN is NaN; log-probs must be <= 0 (-inf is allowed)", b -> b.logProbs(nan));
        float[] plusInf = {0, 0, Float.POSITIVE_INFINITY, 0, 0, 0};
        assertMessage("old_log_probs[0,2] = Infinity is +inf; log-probs must be <= 0 (-inf is allowed)",
                b -> b.oldLogProbs(plusInf));
        float[] positive = new float[12];
        positive[7] = 0.01f;
        assertMessage("target_log_probs_at_rollout_topk[1,0,1] = 0.01 is a positive log-prob (> 1.0E-4);"
                + " log-probs must be <= 0 (-inf is allowed)", b -> b.targetLogProbsAtRolloutTopK(positive));
        // within the 1e-4 tolerance, and −∞, are legal
        float[] tolerated = new float[12];
        tolerated[3] = 5e-5f;
        tolerated[4] = Float.NEGATIVE_INFINITY;
        valid().targetLogProbsAtRolloutTopK(tolerated).build();
    }

    @Test
    void idRules() {
        int[] outside = {0, 1, 0, 1, 0, 1, 0, 1, 0, 10, 0, 1};
        assertMessage("rollout_topk_ids[1,1,1] = 10 is outside the vocabulary [0, 10)", b -> b.rolloutTopK(outside, new float[12]));
        int[] negative = {0, 1, -3, 1, 0, 1, 0, 1, 0, 1, 0, 1};
        assertMessage("target_topk_ids[0,1,0] = -3 is outside the vocabulary [0, 10)", b -> b.targetTopK(negative, new float[12]));
        int[] duplicate = {0, 1, 0, 1, 4, 4, 0, 1, 0, 1, 0, 1};
        assertMessage("target_topk_ids[0,2,1] = 4 repeats target_topk_ids[0,2,0]; ids within one top-k list must be distinct",
                b -> b.targetTopK(duplicate, new float[12]));
        long[] huge = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1L << 40};
        assertMessage("rollout_topk_ids[1,2,1] = 1099511627776 is outside the vocabulary [0, 10)",
                b -> b.rolloutTopK(huge, new float[12]));
    }

    @Test
    void otherElementRules() {
        assertMessage("advantages[0,1] = Infinity is not finite", b -> b.advantages(new float[] {0, Float.POSITIVE_INFINITY, 0, 0, 0, 0}));
        assertMessage("response_mask[1,0] = 0.5 must be 0 or 1", b -> b.responseMask(new float[] {1, 1, 1, .5f, 1, 1}));
        assertMessage("uniforms[0,0] = 1.0 is outside [0, 1)", b -> b.uniforms(new float[] {1, 0, 0, 0, 0, 0}));
    }

    @Test
    void shapeAndPresenceRules() {
        assertMessage("log_probs has shape [3, 2] but the batch needs [2, 3]",
                b -> b.logProbs(FloatView.of(new float[6], 3, 2)));
        assertMessage("target_log_probs_at_rollout_topk has shape [2, 3, 1] but the batch needs [2, 3, 2]",
                b -> b.targetLogProbsAtRolloutTopK(FloatView.of(new float[12], 2, 3, 1)));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> JackpotBatch.builder(1, 1, 1).step(0).rolloutLogProbs(new float[1]).oldLogProbs(new float[1])
                        .logProbs(new float[1]).build());
        assertEquals("advantages is required but was not given", missing.getMessage());
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                () -> FloatView.of(new float[5], 2, 3));
        assertEquals("view of shape [2, 3] at offset 0 needs 6 elements but the backing store holds 5", tooShort.getMessage());
    }

    @Test
    void jackpotNeedsTopKInputs() {
        JackpotBatch noLists = JackpotBatch.builder(1, 1).step(0).rolloutLogProbs(new float[1]).oldLogProbs(new float[1])
                .logProbs(new float[1]).advantages(new float[1]).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Jackpot.compute(JackpotConfig.defaults(), noLists));
        assertEquals(true, e.getMessage().startsWith("use_jackpot = true needs the top-k inputs"));
        // the baselines do not
        Jackpot.compute(JackpotConfig.builder().useJackpot(false).build(), noLists);
    }
}
