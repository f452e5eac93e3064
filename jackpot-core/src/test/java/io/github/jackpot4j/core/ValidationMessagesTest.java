package io.github.jackpot4j.core;

import static io.github.jackpot4j.core.Batches.p;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Input validation of MATH.md §1: every error names the input, the first bad index and the rule, in
 * the shape {@code name[b,t,j] = value rule}.
 */
class ValidationMessagesTest {
    /**
     * A valid B = 2, T = 3, k = 2 batch over a vocabulary of 10: rollout top-2 ids {1, 2}, target top-2
     * ids {2, 3} at every position; tests break one element and expect the message for it.
     */
    private static final class Inputs {
        final float[] mask = {1, 1, 1, 1, 1, 0};
        final float[] rollout = p(0.5, 0.4, 0.3, 0.5, 0.2, 0.5);
        final float[] old = p(0.4, 0.4, 0.3, 0.6, 0.1, 0.5);
        final float[] current = p(0.45, 0.3, 0.35, 0.6, 0.15, 0.5);
        final float[] advantages = {1, -1, 2, 0.5f, -2, 0};
        final float[] uniforms = {0.1f, 0.5f, 0.9f, 0.3f, 0.7f, 0};
        final int[] rolloutIds = repeat(new int[] {1, 2}, 6);
        final float[] rolloutTopk = repeat(p(0.5, 0.3), 6);
        final int[] targetIds = repeat(new int[] {2, 3}, 6);
        final float[] targetTopk = repeat(p(0.4, 0.3), 6);
        final float[] targetAtRollout = repeat(p(0.2, 0.4), 6);
        final float[] rolloutAtTarget = repeat(p(0.3, 0.1), 6);

        JackpotBatch.Builder builder() {
            return JackpotBatch.builder(2, 3, 2).step(0).vocabSize(10)
                    .responseMask(mask).rolloutLogProbs(rollout).oldLogProbs(old).logProbs(current)
                    .advantages(advantages).uniforms(uniforms)
                    .rolloutTopK(rolloutIds, rolloutTopk).targetTopK(targetIds, targetTopk)
                    .targetLogProbsAtRolloutTopK(targetAtRollout).rolloutLogProbsAtTargetTopK(rolloutAtTarget);
        }
    }

    private static int[] repeat(int[] list, int times) {
        int[] out = new int[list.length * times];
        for (int i = 0; i < out.length; i++) {
            out[i] = list[i % list.length];
        }
        return out;
    }

    private static float[] repeat(float[] list, int times) {
        float[] out = new float[list.length * times];
        for (int i = 0; i < out.length; i++) {
            out[i] = list[i % list.length];
        }
        return out;
    }

    private static void assertRejected(String message, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertEquals(message, e.getMessage());
    }

    @Test
    void theValidBatchBuilds() {
        JackpotResult r = Jackpot.compute(JackpotConfig.builder().topK(2).build(), new Inputs().builder().build());
        assertTrue(Double.isFinite(r.loss()));
    }

    @Test
    void anIdOutsideTheVocabularyNamesListAndIndex() {
        // The example of the house style: B = 4, T = 18, k = 3, V = 50257, the last id of the last list.
        int n = 4 * 18 * 3;
        int[] ids = repeat(new int[] {0, 1, 2}, n / 3);
        ids[n - 1] = 50257;
        float[] lp = repeat(p(0.5, 0.3, 0.1), n / 3);
        float[] tokens = new float[4 * 18];
        assertRejected("rollout_topk_ids[3,17,2] = 50257 is outside the vocabulary [0, 50257)",
                () -> JackpotBatch.builder(4, 18, 3).step(0).vocabSize(50257)
                        .rolloutLogProbs(tokens).oldLogProbs(tokens).logProbs(tokens).advantages(tokens)
                        .rolloutTopK(ids, lp).targetTopK(repeat(new int[] {0, 1, 2}, n / 3), lp)
                        .targetLogProbsAtRolloutTopK(lp).build());
    }

    @Test
    void aNegativeIdIsOutsideTheVocabulary() {
        Inputs in = new Inputs();
        in.targetIds[2] = -1; // list [0,1], position 0
        assertRejected("target_topk_ids[0,1,0] = -1 is outside the vocabulary [0, 10)", () -> in.builder().build());
    }

    @Test
    void withoutAVocabularySizeOnlyTheIntRangeIsChecked() {
        long[] ids = new long[12];
        for (int i = 0; i < 12; i++) {
            ids[i] = i % 2 == 0 ? 1 : 2;
        }
        ids[5] = 1L << 31;
        Inputs in = new Inputs();
        assertRejected("rollout_topk_ids[0,2,1] = 2147483648 is outside the vocabulary [0, 2^31)",
                () -> JackpotBatch.builder(2, 3, 2).step(0)
                        .rolloutLogProbs(in.rollout).oldLogProbs(in.old).logProbs(in.current).advantages(in.advantages)
                        .rolloutTopK(ids, in.rolloutTopk).targetTopK(in.targetIds, in.targetTopk)
                        .targetLogProbsAtRolloutTopK(in.targetAtRollout).build());
    }

    @Test
    void aDuplicateIdNamesBothIndices() {
        Inputs in = new Inputs();
        // list [1,2] (flat offset (1·3 + 2)·2 = 10) becomes {3, 3}
        in.targetIds[10] = 3;
        assertRejected("target_topk_ids[1,2,1] = 3 repeats target_topk_ids[1,2,0]; ids within one top-k list"
                + " must be distinct", () -> in.builder().build());
    }

    @Test
    void nanIsAnError() {
        Inputs in = new Inputs();
        in.rollout[5] = Float.NaN;
        assertRejected("rollout_log_probs[1,2] = NaN is NaN; log-probs must be <= 0 (-inf is allowed)",
                () -> in.builder().build());
    }

    @Test
    void plusInfinityIsAnError() {
        Inputs in = new Inputs();
        in.old[1] = Float.POSITIVE_INFINITY;
        assertRejected("old_log_probs[0,1] = Infinity is +inf; log-probs must be <= 0 (-inf is allowed)",
                () -> in.builder().build());
    }

    @Test
    void aPositiveLogProbBeyondTheToleranceIsAnError() {
        Inputs in = new Inputs();
        in.targetTopk[7] = 2e-4f; // [1,0,1]
        assertRejected("target_topk_log_probs[1,0,1] = 2.0E-4 is a positive log-prob (> 1.0E-4); log-probs must be"
                + " <= 0 (-inf is allowed)", () -> in.builder().build());
    }

    @Test
    void aPositiveLogProbWithinTheToleranceIsRoundingNoise() {
        Inputs in = new Inputs();
        in.targetTopk[7] = 5e-5f;
        in.current[0] = 5e-5f;
        in.builder().build();
    }

    @Test
    void minusInfinityIsLegalEverywhere() {
        Inputs in = new Inputs();
        in.rollout[0] = Float.NEGATIVE_INFINITY;
        in.current[1] = Float.NEGATIVE_INFINITY;
        in.old[2] = Float.NEGATIVE_INFINITY;
        in.rolloutTopk[3] = Float.NEGATIVE_INFINITY;
        in.targetTopk[4] = Float.NEGATIVE_INFINITY;
        in.targetAtRollout[5] = Float.NEGATIVE_INFINITY;
        in.rolloutAtTarget[6] = Float.NEGATIVE_INFINITY;
        JackpotResult r = Jackpot.compute(JackpotConfig.builder().topK(2).build(), in.builder().build());
        assertTrue(Double.isFinite(r.loss()));
        for (Map.Entry<String, Double> m : r.metrics().entrySet()) {
            assertTrue(Double.isFinite(m.getValue()), m.getKey());
        }
        for (float g : r.gradLogProbs()) {
            assertTrue(Float.isFinite(g));
        }
    }

    @Test
    void nonFiniteAdvantagesAreAnError() {
        Inputs in = new Inputs();
        in.advantages[0] = Float.NaN;
        assertRejected("advantages[0,0] = NaN is not finite", () -> in.builder().build());
    }

    @Test
    void aShapeMismatchNamesBothShapes() {
        Inputs in = new Inputs();
        assertRejected("advantages has shape [3, 2] but the batch needs [2, 3]",
                () -> in.builder().advantages(FloatView.of(in.advantages, new int[] {3, 2})).build());
        assertRejected("rollout_topk_log_probs has shape [2, 3, 1] but the batch needs [2, 3, 2]",
                () -> in.builder().rolloutTopK(IdView.of(in.rolloutIds, new int[] {2, 3, 2}),
                        FloatView.of(in.rolloutTopk, new int[] {2, 3, 1})).build());
    }

    @Test
    void anArrayTooShortForTheBatchIsAnError() {
        assertRejected("log_probs has 5 elements but [B,T] = [2,3] needs 6",
                () -> new Inputs().builder().logProbs(new float[5]));
    }

    @Test
    void aResponseMaskOtherThanZeroOrOneIsAnError() {
        Inputs in = new Inputs();
        in.mask[3] = 0.5f;
        assertRejected("response_mask[1,0] = 0.5 must be 0 or 1", () -> in.builder().build());
    }

    @Test
    void uniformsMustLieInTheHalfOpenUnitInterval() {
        Inputs one = new Inputs();
        one.uniforms[2] = 1f;
        assertRejected("uniforms[0,2] = 1.0 is outside [0, 1)", () -> one.builder().build());
        Inputs negative = new Inputs();
        negative.uniforms[4] = -0.25f;
        assertRejected("uniforms[1,1] = -0.25 is outside [0, 1)", () -> negative.builder().build());
    }

    @Test
    void missingRequiredInputsAreNamed() {
        Inputs in = new Inputs();
        assertRejected("log_probs is required but was not given",
                () -> JackpotBatch.builder(2, 3).step(0).rolloutLogProbs(in.rollout).oldLogProbs(in.old)
                        .advantages(in.advantages).build());
        assertRejected("target_topk_ids is required but was not given",
                () -> JackpotBatch.builder(2, 3, 2).step(0).rolloutLogProbs(in.rollout).oldLogProbs(in.old)
                        .logProbs(in.current).advantages(in.advantages).rolloutTopK(in.rolloutIds, in.rolloutTopk)
                        .targetLogProbsAtRolloutTopK(in.targetAtRollout).build());
        assertRejected("target_log_probs_at_rollout_topk is required but was not given",
                () -> JackpotBatch.builder(2, 3, 2).step(0).rolloutLogProbs(in.rollout).oldLogProbs(in.old)
                        .logProbs(in.current).advantages(in.advantages).rolloutTopK(in.rolloutIds, in.rolloutTopk)
                        .targetTopK(in.targetIds, in.targetTopk).build());
    }

    @Test
    void jackpotWithoutTopKListsIsAnErrorAtCompute() {
        Inputs in = new Inputs();
        JackpotBatch noLists = JackpotBatch.builder(2, 3).step(0).rolloutLogProbs(in.rollout).oldLogProbs(in.old)
                .logProbs(in.current).advantages(in.advantages).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Jackpot.compute(JackpotConfig.defaults(), noLists));
        assertTrue(e.getMessage().startsWith("use_jackpot = true needs the top-k inputs"), e.getMessage());
    }

    @Test
    void viewsOverNioBuffersWithOffsetsGiveTheSameResultAsArrays() {
        Inputs in = new Inputs();
        JackpotConfig config = JackpotConfig.builder().topK(2).build();
        JackpotResult fromArrays = Jackpot.compute(config, in.builder().build());

        int[] tokens = {2, 3};
        int[] lists = {2, 3, 2};
        JackpotBatch fromBuffers = JackpotBatch.builder(2, 3, 2).step(0).vocabSize(10)
                .responseMask(direct(in.mask, 3, tokens))
                .rolloutLogProbs(direct(in.rollout, 1, tokens))
                .oldLogProbs(direct(in.old, 7, tokens))
                .logProbs(direct(in.current, 2, tokens))
                .advantages(direct(in.advantages, 5, tokens))
                .uniforms(direct(in.uniforms, 4, tokens))
                .rolloutTopK(ints(in.rolloutIds, 3, lists), direct(in.rolloutTopk, 6, lists))
                .targetTopK(longs(in.targetIds, 2, lists), direct(in.targetTopk, 1, lists))
                .targetLogProbsAtRolloutTopK(direct(in.targetAtRollout, 9, lists))
                .rolloutLogProbsAtTargetTopK(direct(in.rolloutAtTarget, 3, lists))
                .build();
        JackpotResult fromViews = Jackpot.compute(config, fromBuffers);

        assertEquals(fromArrays.loss(), fromViews.loss(), 0.0);
        assertArrayEquals(fromArrays.weights(), fromViews.weights(), 0f);
        assertArrayEquals(fromArrays.acceptMask(), fromViews.acceptMask(), 0f);
        assertArrayEquals(fromArrays.zApprox(), fromViews.zApprox(), 0f);
        assertArrayEquals(fromArrays.z(), fromViews.z(), 0f);
        assertArrayEquals(fromArrays.perTokenLoss(), fromViews.perTokenLoss(), 0f);
        assertArrayEquals(fromArrays.gradLogProbs(), fromViews.gradLogProbs(), 0f);
        assertEquals(fromArrays.metrics(), Map.copyOf(fromViews.metrics()));
    }

    @Test
    void anArrayViewWithAnOffsetReadsFromThere() {
        // The same id lists, stored after 4 elements of junk that would be invalid ids
        Inputs in = new Inputs();
        int[] padded = new int[4 + 12];
        Arrays.fill(padded, -7);
        System.arraycopy(in.rolloutIds, 0, padded, 4, 12);
        JackpotBatch batch = in.builder()
                .rolloutTopK(IdView.at(padded, 4, new int[] {2, 3, 2}), FloatView.of(in.rolloutTopk, new int[] {2, 3, 2}))
                .build();
        JackpotConfig config = JackpotConfig.builder().topK(2).build();
        assertArrayEquals(Jackpot.compute(config, in.builder().build()).zApprox(), Jackpot.compute(config, batch).zApprox(), 0f);
    }

    /** A direct (off-heap) buffer holding {@code data} from absolute index {@code offset}. */
    private static FloatView direct(float[] data, int offset, int[] shape) {
        FloatBuffer buffer = ByteBuffer.allocateDirect((offset + data.length + 2) * Float.BYTES)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < offset; i++) {
            buffer.put(i, Float.NaN); // junk before the view that validation must not read
        }
        for (int i = 0; i < data.length; i++) {
            buffer.put(offset + i, data[i]);
        }
        return FloatView.at(buffer, offset, shape);
    }

    private static IdView ints(int[] data, int offset, int[] shape) {
        IntBuffer buffer = IntBuffer.allocate(offset + data.length);
        buffer.position(offset);
        buffer.put(data);
        buffer.position(1); // the view ignores the position
        return IdView.at(buffer, offset, shape);
    }

    private static IdView longs(int[] data, int offset, int[] shape) {
        LongBuffer buffer = ByteBuffer.allocateDirect((offset + data.length) * Long.BYTES)
                .order(ByteOrder.nativeOrder()).asLongBuffer();
        for (int i = 0; i < data.length; i++) {
            buffer.put(offset + i, data[i]);
        }
        return IdView.at(buffer, offset, shape);
    }
}
