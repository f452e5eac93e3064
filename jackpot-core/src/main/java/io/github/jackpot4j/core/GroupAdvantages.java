package io.github.jackpot4j.core;

import java.util.HashMap;
import java.util.Map;

/**
 * GRPO outcome advantages (MATH.md §7): each sequence's reward R is compared with the other
 * sequences of the same prompt (its group): Â = (R − mean_g) / (std_g + 1e-6) with the unbiased
 * standard deviation, or Â = R − mean_g without std scaling. A group of one has mean 0 and std 1 (as
 * in verl). The per-sequence advantage is broadcast over the sequence's response tokens.
 */
public final class GroupAdvantages {
    /** Added to the group std before dividing. */
    public static final double EPSILON = 1e-6;

    private GroupAdvantages() {
    }

    /**
     * Per-sequence advantages.
     *
     * @param rewards  outcome reward of each of the B sequences (finite)
     * @param groupIds the prompt (group) of each sequence
     * @param scaleByStd divide by the group's unbiased std (+1e-6)
     */
    public static double[] perSequence(double[] rewards, long[] groupIds, boolean scaleByStd) {
        if (rewards.length != groupIds.length) {
            throw new IllegalArgumentException("rewards has " + rewards.length + " entries but group_ids has "
                    + groupIds.length);
        }
        for (int i = 0; i < rewards.length; i++) {
            if (!Double.isFinite(rewards[i])) {
                throw new IllegalArgumentException("rewards[" + i + "] = " + rewards[i] + " is not finite");
            }
        }
        Map<Long, double[]> groups = new HashMap<>(); // id -> {count, sum, sum of squared deviations}
        for (int i = 0; i < rewards.length; i++) {
            double[] g = groups.computeIfAbsent(groupIds[i], id -> new double[3]);
            g[0]++;
            g[1] += rewards[i];
        }
        for (int i = 0; i < rewards.length; i++) {
            double[] g = groups.get(groupIds[i]);
            double dev = rewards[i] - g[1] / g[0];
            g[2] += dev * dev;
        }
        double[] advantages = new double[rewards.length];
        for (int i = 0; i < rewards.length; i++) {
            double[] g = groups.get(groupIds[i]);
            double mean = g[0] > 1 ? g[1] / g[0] : 0.0;
            double std = g[0] > 1 ? Math.sqrt(g[2] / (g[0] - 1)) : 1.0;
            advantages[i] = scaleByStd ? (rewards[i] - mean) / (std + EPSILON) : rewards[i] - mean;
        }
        return advantages;
    }

    /** Broadcasts per-sequence advantages over [B,T], zero where {@code responseMask} is 0 (may be null). */
    public static float[] perToken(double[] perSequence, int length, float[] responseMask) {
        float[] out = new float[perSequence.length * length];
        for (int b = 0; b < perSequence.length; b++) {
            for (int i = 0; i < length; i++) {
                int t = b * length + i;
                out[t] = responseMask == null || responseMask[t] != 0f ? (float) perSequence[b] : 0f;
            }
        }
        return out;
    }
}
