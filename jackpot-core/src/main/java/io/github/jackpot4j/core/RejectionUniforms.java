package io.github.jackpot4j.core;

/**
 * The counter-based uniform draws u_t of the OBRS rejection test (MATH.md §3): token t = (b, i) is
 * accepted iff u_t &lt; a_t. u_t is a pure function of (seed, step, global sequence index, position), so
 * the same batch, step and seed give the same mask on every backend, thread count and micro-batch
 * split, while every new step (a new batch of rollouts) draws afresh.
 *
 * <p>Definition (SplitMix64's finalizer {@code mix}):
 * <pre>
 *   h = mix(seed ^ 0x6A09E667F3BCC909)
 *   h = mix(h + step * 0xC2B2AE3D27D4EB4F)
 *   h = mix(h + sequence * 0x9E3779B97F4A7C15)
 *   h = mix(h + position * 0xD1B54A32D192ED03)
 *   u = (h &gt;&gt;&gt; 40) · 2^-24            (24 bits: exactly representable as a float32)
 * </pre>
 * Using 24 bits means a float32 backend (DJL, ND4J) that receives these values compares exactly the
 * same number as the core.
 */
public final class RejectionUniforms {
    private RejectionUniforms() {
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The per-(seed, step) key; hoisted out of loops. */
    static long stepKey(long seed, long step) {
        return mix(mix(seed ^ 0x6A09E667F3BCC909L) + step * 0xC2B2AE3D27D4EB4FL);
    }

    static long rowKey(long stepKey, long sequence) {
        return mix(stepKey + sequence * 0x9E3779B97F4A7C15L);
    }

    static float uniformAt(long rowKey, int position) {
        long h = mix(rowKey + position * 0xD1B54A32D192ED03L);
        return (h >>> 40) * 0x1.0p-24f;
    }

    /** u for global sequence {@code sequence} and position {@code position} of step {@code step} under {@code seed}; in [0, 1). */
    public static float uniform(long seed, long step, long sequence, int position) {
        return uniformAt(rowKey(stepKey(seed, step), sequence), position);
    }

    /**
     * Fills {@code out} (row-major [B,T]) with the draws of step {@code step} for sequences
     * {@code sequenceOffset .. sequenceOffset+B-1}, positions 0..T-1: the array to upload to a device backend.
     */
    public static float[] fill(long seed, long step, long sequenceOffset, int batchSize, int length, float[] out) {
        if (out.length < batchSize * length) {
            throw new IllegalArgumentException("out has " + out.length + " elements but B*T = " + batchSize * length);
        }
        long key = stepKey(seed, step);
        for (int b = 0; b < batchSize; b++) {
            long row = rowKey(key, sequenceOffset + b);
            for (int i = 0; i < length; i++) {
                out[b * length + i] = uniformAt(row, i);
            }
        }
        return out;
    }
}
