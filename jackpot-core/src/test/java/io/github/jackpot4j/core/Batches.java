package io.github.jackpot4j.core;

import java.util.Arrays;

/**
 * A tiny builder for the hand-computed batches of the tests. Log-probs are written as
 * probabilities ({@code p(0.4)}) so that a reader sees the numbers the comments compute with.
 *
 * <p>Defaults: every token valid, every log-prob ln 0.5, Â = 1, caller uniforms u = 0 (so every token
 * with a_t &gt; 0 is accepted), and top-k lists of length k = 1 in which both models' top-1 id is 0
 * with q = p = 1. {@link #zApprox(double...)} sets q of that single-id union, so
 * Zapprox_t = min(q_t, 1/λ) is whatever the test asks for (for λ ≤ 1 simply q_t).
 */
final class Batches {
    final int batchSize;
    final int length;
    float[] responseMask;
    float[] rolloutLogProbs;
    float[] oldLogProbs;
    float[] logProbs;
    float[] advantages;
    float[] uniforms;
    float[] unionRolloutLogProb;

    private Batches(int batchSize, int length) {
        this.batchSize = batchSize;
        this.length = length;
        int n = batchSize * length;
        responseMask = filled(n, 1f);
        rolloutLogProbs = filled(n, logProb(0.5));
        oldLogProbs = filled(n, logProb(0.5));
        logProbs = filled(n, logProb(0.5));
        advantages = filled(n, 1f);
        uniforms = filled(n, 0f);
        unionRolloutLogProb = filled(n, 0f);
    }

    /** B sequences of length T with the defaults above. */
    static Batches of(int batchSize, int length) {
        return new Batches(batchSize, length);
    }

    /** ln p as the float a model would report. */
    static float logProb(double probability) {
        return (float) Math.log(probability);
    }

    /** ln p of each probability. */
    static float[] p(double... probabilities) {
        float[] out = new float[probabilities.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = logProb(probabilities[i]);
        }
        return out;
    }

    /** A config builder whose k matches the single-id union of this helper. */
    static JackpotConfig.Builder config() {
        return JackpotConfig.builder().topK(1);
    }

    Batches mask(float... v) {
        responseMask = sized(v);
        return this;
    }

    /** ℓ_inf, as probabilities. */
    Batches rollout(double... probabilities) {
        rolloutLogProbs = sized(p(probabilities));
        return this;
    }

    /** ℓ_old, as probabilities. */
    Batches old(double... probabilities) {
        oldLogProbs = sized(p(probabilities));
        return this;
    }

    /** ℓ_new (log_probs), as probabilities. */
    Batches current(double... probabilities) {
        logProbs = sized(p(probabilities));
        return this;
    }

    /** ℓ_new and ℓ_old both, so that r_t = 1 and the residual ratio of LATEST is 1. */
    Batches currentAndOld(double... probabilities) {
        return current(probabilities).old(probabilities);
    }

    Batches rolloutLogProbs(float... v) {
        rolloutLogProbs = sized(v);
        return this;
    }

    Batches oldLogProbs(float... v) {
        oldLogProbs = sized(v);
        return this;
    }

    Batches logProbs(float... v) {
        logProbs = sized(v);
        return this;
    }

    Batches advantages(float... v) {
        advantages = sized(v);
        return this;
    }

    Batches uniforms(float... v) {
        uniforms = sized(v);
        return this;
    }

    /** Use the counter-based draws of {@link RejectionUniforms} instead of caller uniforms. */
    Batches counterUniforms() {
        uniforms = null;
        return this;
    }

    /** q of the single-id union per token: Zapprox_t = min(q_t, 1/λ). */
    Batches zApprox(double... q) {
        unionRolloutLogProb = sized(p(q));
        return this;
    }

    /** The JackpotBatch builder with everything above set (for further tweaks before build()). */
    JackpotBatch.Builder builder() {
        int n = batchSize * length;
        return withTopK(1)
                .rolloutTopK(new int[n], unionRolloutLogProb)
                .targetTopK(new int[n], new float[n])
                .targetLogProbsAtRolloutTopK(new float[n]);
    }

    /** The per-token inputs (and uniforms) only, for a test that writes its own top-k lists of length k. */
    JackpotBatch.Builder withTopK(int k) {
        JackpotBatch.Builder b = JackpotBatch.builder(batchSize, length, k).step(0)
                .responseMask(responseMask)
                .rolloutLogProbs(rolloutLogProbs)
                .oldLogProbs(oldLogProbs)
                .logProbs(logProbs)
                .advantages(advantages);
        if (uniforms != null) {
            b.uniforms(uniforms);
        }
        return b;
    }

    JackpotBatch build() {
        return builder().build();
    }

    /** The same tokens as a baseline batch: no top-k lists at all. */
    JackpotBatch buildWithoutTopK() {
        return withTopK(0).build();
    }

    private float[] sized(float[] v) {
        if (v.length != batchSize * length) {
            throw new IllegalArgumentException("test batch needs " + batchSize * length + " values, got "
                    + Arrays.toString(v));
        }
        return v;
    }

    private static float[] filled(int n, float value) {
        float[] a = new float[n];
        Arrays.fill(a, value);
        return a;
    }

    /** F of MATH.md §6 set through its two keys: {@code rollout_is = none} for F = 1, else the threshold. */
    static JackpotConfig.Builder withF(JackpotConfig.Builder b, ResidualCorrection f) {
        return f.kind() == ResidualCorrection.Kind.NONE ? b.rolloutIs(RolloutIs.NONE)
                : b.rolloutIs(RolloutIs.TOKEN).rolloutIsThreshold(f);
    }
}
