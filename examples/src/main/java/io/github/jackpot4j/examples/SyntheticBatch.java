package io.github.jackpot4j.examples;

import io.github.jackpot4j.core.JackpotBatch;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A batch drawn from two explicit softmax distributions per token (a rollout model and a policy that
 * differ by Gaussian logit noise of a given scale), with every MATH.md §1 input filled consistently:
 * the sampled token comes from the rollout model, the top-k lists are the true top-k, and the cross
 * log-probs are read off the full distributions.
 */
final class SyntheticBatch {
    final int batchSize;
    final int length;
    final int k;
    final float[] responseMask;
    final float[] rolloutLogProbs;
    final float[] oldLogProbs;
    final float[] logProbs;
    final float[] advantages;
    final int[] rolloutIds;
    final float[] rolloutTopLogProbs;
    final int[] targetIds;
    final float[] targetTopLogProbs;
    final float[] targetAtRollout;
    final float[] rolloutAtTarget;

    private SyntheticBatch(int batchSize, int length, int k) {
        this.batchSize = batchSize;
        this.length = length;
        this.k = k;
        int n = batchSize * length;
        responseMask = new float[n];
        rolloutLogProbs = new float[n];
        oldLogProbs = new float[n];
        logProbs = new float[n];
        advantages = new float[n];
        rolloutIds = new int[n * k];
        rolloutTopLogProbs = new float[n * k];
        targetIds = new int[n * k];
        targetTopLogProbs = new float[n * k];
        targetAtRollout = new float[n * k];
        rolloutAtTarget = new float[n * k];
    }

    static SyntheticBatch generate(int batchSize, int length, int vocab, int k, double mismatch, SplittableRandom rng) {
        SyntheticBatch s = new SyntheticBatch(batchSize, length, k);
        double[] rolloutLogits = new double[vocab];
        double[] policyLogits = new double[vocab];
        double[] rolloutLp = new double[vocab];
        double[] policyLp = new double[vocab];
        for (int b = 0; b < batchSize; b++) {
            int valid = length - rng.nextInt(Math.max(1, length / 2));
            double advantage = rng.nextBoolean() ? 1.0 : -1.0;
            for (int i = 0; i < length; i++) {
                int t = b * length + i;
                if (i >= valid) {
                    continue; // padding: mask 0, every input left at 0
                }
                for (int x = 0; x < vocab; x++) {
                    policyLogits[x] = 2.0 * rng.nextGaussian();
                    rolloutLogits[x] = policyLogits[x] + mismatch * rng.nextGaussian();
                }
                logSoftmax(rolloutLogits, rolloutLp);
                logSoftmax(policyLogits, policyLp);
                int token = sample(rolloutLp, rng);
                s.responseMask[t] = 1f;
                s.rolloutLogProbs[t] = (float) rolloutLp[token];
                s.logProbs[t] = (float) policyLp[token];
                s.oldLogProbs[t] = (float) policyLp[token];
                s.advantages[t] = (float) advantage;
                int[] rTop = topK(rolloutLp, k);
                int[] pTop = topK(policyLp, k);
                for (int j = 0; j < k; j++) {
                    s.rolloutIds[t * k + j] = rTop[j];
                    s.rolloutTopLogProbs[t * k + j] = (float) rolloutLp[rTop[j]];
                    s.targetAtRollout[t * k + j] = (float) policyLp[rTop[j]];
                    s.targetIds[t * k + j] = pTop[j];
                    s.targetTopLogProbs[t * k + j] = (float) policyLp[pTop[j]];
                    s.rolloutAtTarget[t * k + j] = (float) rolloutLp[pTop[j]];
                }
            }
            // padding rows still need distinct ids in each top-k list
            for (int i = valid; i < length; i++) {
                int t = b * length + i;
                for (int j = 0; j < k; j++) {
                    s.rolloutIds[t * k + j] = j;
                    s.targetIds[t * k + j] = j;
                }
            }
        }
        return s;
    }

    JackpotBatch toBatch() {
        return JackpotBatch.builder(batchSize, length, k).step(0)
                .responseMask(responseMask)
                .rolloutLogProbs(rolloutLogProbs)
                .oldLogProbs(oldLogProbs)
                .logProbs(logProbs)
                .advantages(advantages)
                .rolloutTopK(rolloutIds, rolloutTopLogProbs)
                .targetTopK(targetIds, targetTopLogProbs)
                .targetLogProbsAtRolloutTopK(targetAtRollout)
                .rolloutLogProbsAtTargetTopK(rolloutAtTarget)
                .build();
    }

    private static void logSoftmax(double[] logits, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (double l : logits) {
            sum += Math.exp(l - max);
        }
        double log = max + Math.log(sum);
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - log;
        }
    }

    private static int sample(double[] logProbs, SplittableRandom rng) {
        double u = rng.nextDouble();
        double c = 0;
        for (int i = 0; i < logProbs.length; i++) {
            c += Math.exp(logProbs[i]);
            if (u < c) {
                return i;
            }
        }
        return logProbs.length - 1;
    }

    private static int[] topK(double[] logProbs, int k) {
        Integer[] idx = new Integer[logProbs.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(logProbs[b], logProbs[a]));
        int[] top = new int[k];
        for (int j = 0; j < k; j++) {
            top[j] = idx[j];
        }
        return top;
    }
}
