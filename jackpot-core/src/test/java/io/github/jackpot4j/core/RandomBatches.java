package io.github.jackpot4j.core;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Consistent random batches for the property tests: every input of MATH.md §1 is read from explicit
 * softmax distributions over a small vocabulary, so the batch is one a real trainer could produce.
 *
 * <p>Per token position three distributions over V ids are drawn: the rollout model q (logits
 * {@code logitScale·N(0,1)}), the current policy p_θ (q's logits plus {@code noiseScale·N(0,1)}) and
 * the PPO anchor p_ref (p_θ's logits plus {@code 0.3·noiseScale·N(0,1)}). Each id is masked out
 * (log-prob −∞, probability 0) independently per model with probability {@code maskedProb}. The
 * sampled token is drawn from q; ℓ_inf, ℓ_old, ℓ_new are the three distributions' log-probs at it;
 * top-k lists and cross log-probs are read from the full distributions. Some rows are padded at the
 * end (possibly entirely) and some interior positions are padding; padding positions keep their
 * generated (valid) values, so a kernel that read them would change a result.
 *
 * <p>Everything is a pure function of {@link Spec}: a failing property reports its Spec, and
 * {@code RandomBatches.generate(spec)} rebuilds the exact batch.
 */
final class RandomBatches {
    private RandomBatches() {
    }

    /** Which normalizer inputs a built batch carries. */
    enum Mode {
        /** Top-k lists without {@code rollout_log_probs_at_target_topk} (cached rollout top-k only). */
        TOP_K,
        /** Top-k lists with the rollout log-probs at the target's top-k ("use latest logits"). */
        TOP_K_CROSS,
        /** Full [B,T,V] log-probs of both models: the exact normalizer. */
        FULL_VOCAB
    }

    /** The parameters a batch is generated from; its toString is a Java expression that rebuilds it. */
    record Spec(long seed, int batchSize, int length, int vocab, int topK, double logitScale, double noiseScale,
                double padFraction, double maskedProb) {
        Spec {
            if (topK < 1 || topK > vocab) {
                throw new IllegalArgumentException("k = " + topK + " must be in [1, V = " + vocab + "]");
            }
        }

        @Override
        public String toString() {
            return "new RandomBatches.Spec(" + seed + "L, " + batchSize + ", " + length + ", " + vocab + ", " + topK
                    + ", " + logitScale + ", " + noiseScale + ", " + padFraction + ", " + maskedProb + ")";
        }
    }

    /** The top-k inputs of a batch for one choice of target. */
    static final class TopK {
        final int[] rolloutIds;
        final float[] rolloutLogProbs;
        final int[] targetIds;
        final float[] targetLogProbs;
        final float[] targetAtRollout;
        final float[] rolloutAtTarget;

        TopK(int n, int k) {
            rolloutIds = new int[n * k];
            rolloutLogProbs = new float[n * k];
            targetIds = new int[n * k];
            targetLogProbs = new float[n * k];
            targetAtRollout = new float[n * k];
            rolloutAtTarget = new float[n * k];
        }
    }

    /** A generated batch: the full distributions and every [B,T] and [B,T,k] input derived from them. */
    static final class Generated {
        final Spec spec;
        final int batchSize;
        final int length;
        final int vocab;
        final int topK;
        /** Log-probs [B,T,V] of the rollout model, the anchor (old) and the current policy (new). */
        final float[] rolloutFull;
        final float[] oldFull;
        final float[] newFull;
        final int[] tokens;
        final float[] responseMask;
        final float[] rolloutLogProbs;
        final float[] oldLogProbs;
        final float[] logProbs;
        final float[] advantages;
        private TopK latestTopK;
        private TopK referenceTopK;

        private Generated(Spec spec) {
            this.spec = spec;
            batchSize = spec.batchSize();
            length = spec.length();
            vocab = spec.vocab();
            topK = spec.topK();
            int n = batchSize * length;
            rolloutFull = new float[n * vocab];
            oldFull = new float[n * vocab];
            newFull = new float[n * vocab];
            tokens = new int[n];
            responseMask = new float[n];
            rolloutLogProbs = new float[n];
            oldLogProbs = new float[n];
            logProbs = new float[n];
            advantages = new float[n];
        }

        int tokenCount() {
            return batchSize * length;
        }

        /** The target's full log-probs (MATH.md §2): p_θ for LATEST, p_ref for REFERENCE. */
        float[] targetFull(Target target) {
            return target == Target.LATEST ? newFull : oldFull;
        }

        /** ℓ_tgt at the sampled tokens. */
        float[] targetLogProbs(Target target) {
            return target == Target.LATEST ? logProbs : oldLogProbs;
        }

        /** The top-k lists of q and of the target, with the cross log-probs, read from the full distributions. */
        TopK topK(Target target) {
            if (target == Target.LATEST) {
                if (latestTopK == null) {
                    latestTopK = buildTopK(this, newFull);
                }
                return latestTopK;
            }
            if (referenceTopK == null) {
                referenceTopK = buildTopK(this, oldFull);
            }
            return referenceTopK;
        }

        int validTokens() {
            int n = 0;
            for (float m : responseMask) {
                n += (int) m;
            }
            return n;
        }
    }

    /** Generates the batch of {@code spec}; the same spec always gives the same arrays. */
    static Generated generate(Spec spec) {
        Generated g = new Generated(spec);
        SplittableRandom random = new SplittableRandom(spec.seed());
        int v = g.vocab;
        double[] rolloutLogits = new double[v];
        double[] newLogits = new double[v];
        double[] oldLogits = new double[v];
        double[] rolloutLogProbs = new double[v];
        for (int b = 0; b < g.batchSize; b++) {
            int validLength = g.length;
            if (random.nextDouble() < spec.padFraction()) {
                validLength = random.nextInt(g.length + 1); // 0 makes an all-padding row
            }
            double rowAdvantage = random.nextGaussian();
            for (int i = 0; i < g.length; i++) {
                int t = b * g.length + i;
                boolean hole = random.nextDouble() < 0.1 * spec.padFraction();
                g.responseMask[t] = i < validLength && !hole ? 1f : 0f;
                for (int x = 0; x < v; x++) {
                    rolloutLogits[x] = spec.logitScale() * random.nextGaussian();
                    newLogits[x] = rolloutLogits[x] + spec.noiseScale() * random.nextGaussian();
                    oldLogits[x] = newLogits[x] + 0.3 * spec.noiseScale() * random.nextGaussian();
                }
                maskOut(rolloutLogits, spec.maskedProb(), random);
                maskOut(newLogits, spec.maskedProb(), random);
                maskOut(oldLogits, spec.maskedProb(), random);
                logSoftmax(rolloutLogits, rolloutLogProbs);
                int base = t * v;
                store(rolloutLogProbs, g.rolloutFull, base);
                logSoftmax(newLogits, newLogits);
                store(newLogits, g.newFull, base);
                logSoftmax(oldLogits, oldLogits);
                store(oldLogits, g.oldFull, base);
                int token = sample(rolloutLogProbs, random);
                g.tokens[t] = token;
                g.rolloutLogProbs[t] = g.rolloutFull[base + token];
                g.logProbs[t] = g.newFull[base + token];
                g.oldLogProbs[t] = g.oldFull[base + token];
                // GRPO-like: one advantage per sequence, sometimes varied per token.
                g.advantages[t] = (float) (random.nextBoolean() ? rowAdvantage : rowAdvantage + 0.5 * random.nextGaussian());
            }
        }
        return g;
    }

    /** Sets ids to −∞ with probability {@code p}, keeping at least one finite id. */
    private static void maskOut(double[] logits, double p, SplittableRandom random) {
        if (p <= 0) {
            return;
        }
        int keep = random.nextInt(logits.length);
        for (int x = 0; x < logits.length; x++) {
            if (x != keep && random.nextDouble() < p) {
                logits[x] = Double.NEGATIVE_INFINITY;
            }
        }
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
        double lse = max + Math.log(sum);
        for (int x = 0; x < logits.length; x++) {
            // min(0, ·) because rounding may leave the only finite id a hair above log 1.
            out[x] = Math.min(0.0, logits[x] - lse);
        }
    }

    private static void store(double[] logProbs, float[] dst, int base) {
        for (int x = 0; x < logProbs.length; x++) {
            dst[base + x] = (float) logProbs[x];
        }
    }

    private static int sample(double[] logProbs, SplittableRandom random) {
        double u = random.nextDouble();
        int last = -1;
        for (int x = 0; x < logProbs.length; x++) {
            double p = Math.exp(logProbs[x]);
            if (p > 0) {
                last = x;
                u -= p;
                if (u < 0) {
                    return x;
                }
            }
        }
        return last; // the probabilities summed to a hair under 1
    }

    private static TopK buildTopK(Generated g, float[] targetFull) {
        int n = g.tokenCount();
        int k = g.topK;
        int v = g.vocab;
        TopK top = new TopK(n, k);
        int[] order = new int[k];
        for (int t = 0; t < n; t++) {
            int base = t * v;
            largest(g.rolloutFull, base, v, order);
            for (int j = 0; j < k; j++) {
                top.rolloutIds[t * k + j] = order[j];
                top.rolloutLogProbs[t * k + j] = g.rolloutFull[base + order[j]];
                top.targetAtRollout[t * k + j] = targetFull[base + order[j]];
            }
            largest(targetFull, base, v, order);
            for (int j = 0; j < k; j++) {
                top.targetIds[t * k + j] = order[j];
                top.targetLogProbs[t * k + j] = targetFull[base + order[j]];
                top.rolloutAtTarget[t * k + j] = g.rolloutFull[base + order[j]];
            }
        }
        return top;
    }

    /** The ids of the {@code order.length} largest values of {@code values[base, base+v)}, ties by lower id. */
    private static void largest(float[] values, int base, int v, int[] order) {
        boolean[] taken = new boolean[v];
        for (int j = 0; j < order.length; j++) {
            int best = -1;
            for (int x = 0; x < v; x++) {
                if (!taken[x] && (best < 0 || values[base + x] > values[base + best])) {
                    best = x;
                }
            }
            taken[best] = true;
            order[j] = best;
        }
    }

    /** The whole generated batch in {@code mode}, over plain arrays. */
    static JackpotBatch build(Generated g, Target target, Mode mode) {
        return build(g, target, mode, 0, g.batchSize);
    }

    /**
     * Rows [from, to) of the generated batch as a batch of its own: views at offsets into the same
     * arrays, with {@code sequenceOffset = from} so the rejection draws are those of the whole batch.
     */
    static JackpotBatch build(Generated g, Target target, Mode mode, int from, int to) {
        return builder(g, target, mode, from, to).build();
    }

    /** As {@link #build(Generated, Target, Mode, int, int)} but claiming global offset {@code sequenceOffset}. */
    static JackpotBatch build(Generated g, Target target, Mode mode, int from, int to, long sequenceOffset) {
        return builder(g, target, mode, from, to).sequenceOffset(sequenceOffset).build();
    }

    /** The builder of {@link #build(Generated, Target, Mode, int, int)}, step 0, for a test to change. */
    static JackpotBatch.Builder builder(Generated g, Target target, Mode mode, int from, int to) {
        int rows = to - from;
        int t = g.length;
        int[] tokens = {rows, t};
        int tokenOffset = from * t;
        JackpotBatch.Builder b = (mode == Mode.FULL_VOCAB ? JackpotBatch.builder(rows, t).step(0) : JackpotBatch.builder(rows, t, g.topK).step(0))
                .vocabSize(g.vocab)
                .sequenceOffset(from)
                .responseMask(FloatView.at(g.responseMask, tokenOffset, tokens))
                .rolloutLogProbs(FloatView.at(g.rolloutLogProbs, tokenOffset, tokens))
                .oldLogProbs(FloatView.at(g.oldLogProbs, tokenOffset, tokens))
                .logProbs(FloatView.at(g.logProbs, tokenOffset, tokens))
                .advantages(FloatView.at(g.advantages, tokenOffset, tokens));
        if (mode == Mode.FULL_VOCAB) {
            int[] full = {rows, t, g.vocab};
            int fullOffset = tokenOffset * g.vocab;
            b.fullVocabLogProbs(FloatView.at(g.rolloutFull, fullOffset, full),
                    FloatView.at(g.targetFull(target), fullOffset, full));
        } else {
            TopK top = g.topK(target);
            int[] lists = {rows, t, g.topK};
            int listOffset = tokenOffset * g.topK;
            b.rolloutTopK(IdView.at(top.rolloutIds, listOffset, lists), FloatView.at(top.rolloutLogProbs, listOffset, lists))
                    .targetTopK(IdView.at(top.targetIds, listOffset, lists), FloatView.at(top.targetLogProbs, listOffset, lists))
                    .targetLogProbsAtRolloutTopK(FloatView.at(top.targetAtRollout, listOffset, lists));
            if (mode == Mode.TOP_K_CROSS) {
                b.rolloutLogProbsAtTargetTopK(FloatView.at(top.rolloutAtTarget, listOffset, lists));
            }
        }
        return b;
    }

    /** {@link Jackpot#compute} into a fresh result, rows run as {@code execution} says. */
    static JackpotResult compute(JackpotConfig config, JackpotBatch batch, BatchStatistics global, Execution execution) {
        JackpotResult out = JackpotResult.allocate(batch.batchSize(), batch.length());
        Jackpot.compute(config, batch, global, out, execution);
        return out;
    }

    /**
     * The first output where two results differ (every array, the loss, κ, the statistics, every
     * metric, compared bit for bit), or null when they are identical.
     */
    static String firstDifference(JackpotResult a, JackpotResult b) {
        String[] names = {"weights", "acceptMask", "zApprox", "z", "perTokenLoss", "gradLogProbs"};
        float[][] left = {a.weights(), a.acceptMask(), a.zApprox(), a.z(), a.perTokenLoss(), a.gradLogProbs()};
        float[][] right = {b.weights(), b.acceptMask(), b.zApprox(), b.z(), b.perTokenLoss(), b.gradLogProbs()};
        for (int i = 0; i < names.length; i++) {
            int d = Arrays.mismatch(left[i], right[i]);
            if (d >= 0) {
                return names[i] + "[" + d + "]: " + (d < left[i].length ? left[i][d] : "<end>") + " vs "
                        + (d < right[i].length ? right[i][d] : "<end>");
            }
        }
        if (Double.compare(a.loss(), b.loss()) != 0) {
            return "loss: " + a.loss() + " vs " + b.loss();
        }
        if (Double.compare(a.kappa(), b.kappa()) != 0) {
            return "kappa: " + a.kappa() + " vs " + b.kappa();
        }
        if (!Arrays.equals(a.statistics().toArray(), b.statistics().toArray())) {
            return "statistics: " + a.statistics() + " vs " + b.statistics();
        }
        for (JackpotMetric m : JackpotMetric.values()) {
            if (Double.compare(a.metric(m), b.metric(m)) != 0) {
                return m.key() + ": " + a.metric(m) + " vs " + b.metric(m);
            }
        }
        return null;
    }
}
