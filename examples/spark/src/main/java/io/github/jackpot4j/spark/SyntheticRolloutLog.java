package io.github.jackpot4j.spark;

import java.util.SplittableRandom;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A synthetic rollout log of any size (docs/spark.md, {@code generate}). Row b depends only on
 * (seed, b), so any partitioning of the generation writes the same log. Each token has a rollout
 * top-k list over a vocabulary of {@value #VOCAB} ids, a target that disagrees with the rollout model by
 * a log-normal factor of spread {@code mismatch}, a sampled token drawn from the rollout list, an anchor
 * (old log-prob) near the target, one advantage per sequence and a random response length (the rest
 * padding, response_mask = 0).
 */
public final class SyntheticRolloutLog implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    /** Vocabulary size of the synthetic models. */
    public static final int VOCAB = 512;

    private final long seed;
    private final long step;
    private final int length;
    private final int k;
    private final double mismatch;

    public SyntheticRolloutLog(long seed, long step, int length, int k, double mismatch) {
        if (length < 1 || k < 1 || 2 * k > VOCAB) {
            throw new IllegalArgumentException("need length >= 1 and 1 <= k <= " + VOCAB / 2);
        }
        this.seed = seed;
        this.step = step;
        this.length = length;
        this.k = k;
        this.mismatch = mismatch;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The row of global sequence {@code sequence}, in the column order of {@link RolloutLog#SCHEMA}. */
    public Row row(long sequence) {
        SplittableRandom random = new SplittableRandom(mix(mix(seed ^ 0x5851F42D4C957F2DL) + sequence));
        int t = length;
        int[] mask = new int[t];
        int valid = 1 + random.nextInt(t);
        for (int i = 0; i < valid; i++) {
            mask[i] = 1;
        }
        float advantage = (float) random.nextGaussian();
        float[] rollout = new float[t];
        float[] old = new float[t];
        float[] latest = new float[t];
        float[] advantages = new float[t];
        int[] rIds = new int[t * k];
        float[] rLp = new float[t * k];
        int[] tIds = new int[t * k];
        float[] tLp = new float[t * k];
        float[] tAtR = new float[t * k];
        int[] candidates = new int[2 * k];
        double[] rw = new double[k];
        double[] tw = new double[2 * k];
        Integer[] order = new Integer[2 * k];
        for (int i = 0; i < t; i++) {
            // 2k distinct ids: the first k are the rollout's top-k, the others only the target may rank
            for (int j = 0; j < 2 * k; j++) {
                int id;
                boolean fresh;
                do {
                    id = random.nextInt(VOCAB);
                    fresh = true;
                    for (int q = 0; q < j; q++) {
                        fresh &= candidates[q] != id;
                    }
                } while (!fresh);
                candidates[j] = id;
            }
            double rSum = 0;
            for (int j = 0; j < k; j++) {
                rw[j] = Math.exp(1.5 * random.nextGaussian());
                rSum += rw[j];
            }
            rSum += 0.3 * k * Math.exp(random.nextGaussian()); // mass outside the top-k
            double tSum = 0;
            for (int j = 0; j < 2 * k; j++) {
                tw[j] = j < k ? rw[j] * Math.exp(mismatch * random.nextGaussian())
                        : 0.5 * Math.exp(1.5 * random.nextGaussian());
                tSum += tw[j];
            }
            tSum += 0.3 * k * Math.exp(random.nextGaussian());
            for (int j = 0; j < k; j++) {
                rIds[i * k + j] = candidates[j];
                rLp[i * k + j] = (float) Math.log(rw[j] / rSum);
                tAtR[i * k + j] = (float) Math.log(tw[j] / tSum);
            }
            for (int j = 0; j < 2 * k; j++) {
                order[j] = j;
            }
            java.util.Arrays.sort(order, (a, b) -> Double.compare(tw[b], tw[a]));
            for (int j = 0; j < k; j++) {
                tIds[i * k + j] = candidates[order[j]];
                tLp[i * k + j] = (float) Math.log(tw[order[j]] / tSum);
            }
            // the sampled token: drawn from the rollout's top-k in proportion to its probability
            double topSum = 0;
            for (int j = 0; j < k; j++) {
                topSum += rw[j];
            }
            double u = random.nextDouble() * topSum;
            int s = k - 1;
            double acc = 0;
            for (int j = 0; j < k; j++) {
                acc += rw[j];
                if (u < acc) {
                    s = j;
                    break;
                }
            }
            rollout[i] = rLp[i * k + s];
            latest[i] = tAtR[i * k + s];
            old[i] = (float) Math.min(0.0, latest[i] + 0.1 * random.nextGaussian());
            advantages[i] = advantage;
        }
        return RowFactory.create(sequence, step, t, k, mask, rollout, old, latest, advantages, rIds, rLp, tIds, tLp,
                tAtR);
    }
}
