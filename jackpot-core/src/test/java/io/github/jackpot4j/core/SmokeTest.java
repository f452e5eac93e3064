package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void singleTokenOnPolicyGivesPlainPpoLoss() {
        // One token, rollout = policy, λ = 1: a = 1, accepted, Z = 1·κ with κ = 1/1, w = 1, ρ = F(1) = 1.
        // r = 1, L = −Â = −2, token-mean loss = −2.
        JackpotBatch batch = JackpotBatch.builder(1, 1, 1).step(0)
                .rolloutLogProbs(new float[] {-0.5f}).oldLogProbs(new float[] {-0.5f})
                .logProbs(new float[] {-0.5f}).advantages(new float[] {2f})
                .rolloutTopK(new int[] {3}, new float[] {0f})
                .targetTopK(new int[] {3}, new float[] {0f})
                .targetLogProbsAtRolloutTopK(new float[] {0f})
                .build();
        JackpotResult r = Jackpot.compute(JackpotConfig.builder().topK(1).build(), batch);
        assertEquals(-2.0, r.loss(), 1e-12);
        assertEquals(1f, r.acceptMask()[0]);
        assertEquals(1f, r.weights()[0]);
        assertEquals(-2.0, r.gradLogProbs()[0], 1e-6);
    }
}
