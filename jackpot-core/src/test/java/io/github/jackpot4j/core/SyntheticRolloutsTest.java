package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import org.junit.jupiter.api.Test;

/** The shared generator: a spec rebuilds its batch, and a small support still gives true top-k lists. */
class SyntheticRolloutsTest {
    @Test
    void theSameSpecGivesTheSameBatchAndAnotherSeedAnother() {
        SyntheticRollouts.Spec spec = SyntheticRollouts.builder().seed(3).batchSize(3).length(5).vocabSize(12)
                .topK(4).maskedProb(0.1).spec();
        SyntheticRollouts a = spec.generate();
        SyntheticRollouts b = spec.generate();
        assertArrayEquals(a.vocabLogProbs, b.vocabLogProbs);
        assertArrayEquals(a.tokenIds, b.tokenIds);
        assertArrayEquals(a.topK(Target.REFERENCE).targetIds, b.topK(Target.REFERENCE).targetIds);
        SyntheticRollouts other = spec.toBuilder().seed(4).build();
        assertFalse(java.util.Arrays.equals(a.vocabLogProbs, other.vocabLogProbs));
        assertTrue(spec.toString().startsWith("SyntheticRollouts.builder().seed(3L)"), spec.toString());
    }

    @Test
    void aSmallSupportGivesDistinctIdsInTheVocabularyAndTheDescendingTopK() {
        SyntheticRollouts data = SyntheticRollouts.builder().seed(5).batchSize(3).length(7).vocabSize(1000)
                .topK(6).support(12).build();
        assertNull(data.vocabLogProbs);
        SyntheticRollouts.TopKLists top = data.topK(Target.LATEST);
        for (int t = 0; t < data.tokenCount(); t++) {
            java.util.Set<Integer> rollout = new java.util.HashSet<>();
            for (int j = 0; j < data.k; j++) {
                int e = t * data.k + j;
                assertTrue(top.rolloutIds[e] >= 0 && top.rolloutIds[e] < 1000);
                assertTrue(rollout.add(top.rolloutIds[e]), "distinct ids at token " + t);
                if (j > 0) {
                    assertTrue(top.rolloutLogProbs[e] <= top.rolloutLogProbs[e - 1]);
                    assertTrue(top.targetLogProbs[e] <= top.targetLogProbs[e - 1]);
                }
            }
            // the sampled token is in the support: its log-prob is finite
            assertTrue(Float.isFinite(data.rolloutLogProbs[t]));
        }
        JackpotBatch batch = data.batch();
        assertEquals(1000, batch.vocabSize());
        assertTrue(Double.isFinite(Jackpot.compute(JackpotConfig.builder().topK(6).build(), batch).loss()));
        assertThrows(IllegalStateException.class,
                () -> data.batch(Target.LATEST, SyntheticRollouts.Inputs.FULL_VOCAB));
    }

    @Test
    void theDrawsAreTheCoresRejectionUniforms() {
        SyntheticRollouts data = SyntheticRollouts.builder().seed(1).batchSize(2).length(3).build();
        assertEquals(RejectionUniforms.uniform(9, 2, 1, 2), data.uniforms(9, 2)[1 * 3 + 2]);
    }
}
