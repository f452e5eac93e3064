package io.github.jackpot4j.core.testing;

import io.github.jackpot4j.core.FloatView;
import io.github.jackpot4j.core.IdView;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.RejectionUniforms;
import io.github.jackpot4j.core.Target;

import java.util.SplittableRandom;

/**
 * Seeded synthetic rollouts: every input of MATH.md §1 read from explicit softmax distributions, so
 * a batch is one a real trainer could produce. The one generator of the tests of every module, the
 * benchmarks and the examples (published as jackpot-core's test-jar).
 *
 * <p>Per token position three distributions are drawn over the ids of its <em>support</em> (all V
 * ids by default): the rollout model q (logits {@code logitScale·N(0,1)}), the current policy p_θ
 * (q's logits plus {@code mismatch·N(0,1)}) and the PPO anchor p_ref (p_θ's logits plus
 * {@code 0.3·mismatch·N(0,1)}). Ids outside the support have probability 0; inside it, each id is
 * masked out (log-prob −∞) independently per model with probability {@code maskedProb}, keeping at
 * least one. The sampled token is drawn from q; ℓ_inf, ℓ_old, ℓ_new are the three log-probs at it;
 * the top-k lists (ties to the lower id) and the cross log-probs are read from the distributions.
 * A fraction {@code padFraction} of the rows ends early (possibly at 0 tokens) and a few interior
 * positions are padding; padding keeps its generated (valid) values, so a kernel that read them
 * would change a result. Advantages are one Gaussian per sequence, varied per token half the time.
 *
 * <p>A small support ({@link Builder#support}, e.g. 2k ids of a 32,000-token vocabulary) makes large
 * batches cheap: the cost per token is O(support), and the [B,T,V] arrays are not kept.
 *
 * <p>Everything is a pure function of the {@link Spec}: the same spec gives the same arrays, bit for
 * bit, and {@code Spec.toString()} is the Java expression that rebuilds it.
 *
 * <pre>{@code
 * SyntheticRollouts data = SyntheticRollouts.builder().batchSize(4).length(6).vocabSize(50).topK(5)
 *         .seed(7).build();
 * JackpotBatch batch = data.batch(Target.LATEST, SyntheticRollouts.Inputs.TOP_K_CROSS);
 * }</pre>
 */
public final class SyntheticRollouts {
    /** Which normalizer inputs (MATH.md §4) a built batch carries. */
    public enum Inputs {
        /** Top-k lists without {@code rollout_log_probs_at_target_topk} (cached rollout top-k only). */
        TOP_K,
        /** Top-k lists with the rollout log-probs at the target's top-k ("use latest logits"). */
        TOP_K_CROSS,
        /** Full [B,T,V] log-probs of both models: the exact normalizer (needs the whole vocabulary as support). */
        FULL_VOCAB
    }

    /**
     * What a batch is generated from.
     *
     * @param seed        the seed of the one random stream
     * @param batchSize   B, sequences
     * @param length      T, positions per sequence
     * @param vocabSize   V
     * @param k           the length of the top-k lists
     * @param support     ids per position with nonzero probability, in [k, V]; V is the exact case
     * @param logitScale  standard deviation of the rollout model's logits
     * @param mismatch    standard deviation of the logit noise from q to p_θ (0.3 of it from p_θ to p_ref)
     * @param padFraction probability that a row ends early; a tenth of it, that a position is a hole
     * @param maskedProb  probability that an id of the support is masked out (−∞) in one model
     */
    public record Spec(long seed, int batchSize, int length, int vocabSize, int k, int support, double logitScale,
                       double mismatch, double padFraction, double maskedProb) {
        /** Checks the sizes. */
        public Spec {
            if (batchSize < 1 || length < 1) {
                throw new IllegalArgumentException("B = " + batchSize + " and T = " + length + " must be >= 1");
            }
            if (k < 1 || k > support || support > vocabSize) {
                throw new IllegalArgumentException("need 1 <= k = " + k + " <= support = " + support + " <= V = "
                        + vocabSize);
            }
        }

        /** The same spec, to change a field. */
        public Builder toBuilder() {
            return new Builder().seed(seed).batchSize(batchSize).length(length).vocabSize(vocabSize).topK(k)
                    .support(support).logitScale(logitScale).mismatch(mismatch).padFraction(padFraction)
                    .maskedProb(maskedProb);
        }

        /** The batch of this spec. */
        public SyntheticRollouts generate() {
            return new SyntheticRollouts(this);
        }

        @Override
        public String toString() {
            return "SyntheticRollouts.builder().seed(" + seed + "L).batchSize(" + batchSize + ").length(" + length
                    + ").vocabSize(" + vocabSize + ").topK(" + k + ").support(" + support + ").logitScale("
                    + logitScale + ").mismatch(" + mismatch + ").padFraction(" + padFraction + ").maskedProb("
                    + maskedProb + ").spec()";
        }
    }

    /** Collects a {@link Spec}; every field has a small default (B = 4, T = 8, V = 16, k = 4, seed 0). */
    public static final class Builder {
        private long seed;
        private int batchSize = 4;
        private int length = 8;
        private int vocabSize = 16;
        private int k = 4;
        private int support = -1;
        private double logitScale = 1.5;
        private double mismatch = 1.0;
        private double padFraction = 0.3;
        private double maskedProb;

        private Builder() {
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder length(int v) {
            length = v;
            return this;
        }

        public Builder vocabSize(int v) {
            vocabSize = v;
            return this;
        }

        public Builder topK(int v) {
            k = v;
            return this;
        }

        /** Ids per position with nonzero probability (default: the whole vocabulary). */
        public Builder support(int v) {
            support = v;
            return this;
        }

        public Builder logitScale(double v) {
            logitScale = v;
            return this;
        }

        public Builder mismatch(double v) {
            mismatch = v;
            return this;
        }

        public Builder padFraction(double v) {
            padFraction = v;
            return this;
        }

        public Builder maskedProb(double v) {
            maskedProb = v;
            return this;
        }

        public Spec spec() {
            return new Spec(seed, batchSize, length, vocabSize, k, support < 0 ? vocabSize : support, logitScale,
                    mismatch, padFraction, maskedProb);
        }

        public SyntheticRollouts build() {
            return spec().generate();
        }
    }

    /** The top-k lists of q and of one target (MATH.md §2), with the cross log-probs; [B,T,k] each. */
    public static final class TopKLists {
        public final int[] rolloutIds;
        public final float[] rolloutLogProbs;
        public final int[] targetIds;
        public final float[] targetLogProbs;
        /** ℓ_tgt at the rollout's top-k ids. */
        public final float[] targetAtRollout;
        /** ℓ_inf at the target's top-k ids. */
        public final float[] rolloutAtTarget;

        private TopKLists(int lists) {
            rolloutIds = new int[lists];
            rolloutLogProbs = new float[lists];
            targetIds = new int[lists];
            targetLogProbs = new float[lists];
            targetAtRollout = new float[lists];
            rolloutAtTarget = new float[lists];
        }
    }

    public final Spec spec;
    public final int batchSize;
    public final int length;
    public final int vocabSize;
    public final int k;
    /** The sampled token ids, [B,T]. */
    public final int[] tokenIds;
    public final float[] responseMask;
    /** ℓ_inf, ℓ_old and ℓ_new at the sampled tokens, [B,T]. */
    public final float[] rolloutLogProbs;
    public final float[] oldLogProbs;
    public final float[] logProbs;
    public final float[] advantages;
    /** Log-probs [B,T,V] of q, p_ref and p_θ; null unless the support is the whole vocabulary. */
    public final float[] rolloutVocabLogProbs;
    public final float[] oldVocabLogProbs;
    public final float[] vocabLogProbs;
    /**
     * The logits [B,T,V] (−∞ where masked) of q and of p_θ, whose log-softmax (in double) are
     * {@link #rolloutVocabLogProbs} and {@link #vocabLogProbs}; null likewise.
     */
    public final float[] rolloutLogits;
    public final float[] policyLogits;

    private final int support;
    /** [B,T,support] ids of each position's support; null when it is the whole vocabulary (id = index). */
    private final int[] supportIds;
    private final float[] rolloutSupport;
    private final float[] oldSupport;
    private final float[] newSupport;
    private TopKLists latestTopK;
    private TopKLists referenceTopK;

    /** Starts a spec. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The batch the benchmarks measure (docs/benchmarks.md): N = B·T tokens with T = min(N, 512), a
     * 32,000-token vocabulary with a support of 2k ids per position, lists of length k.
     */
    public static SyntheticRollouts atScale(int tokens, int k, long seed) {
        int length = Math.min(tokens, 512);
        return builder().seed(seed).batchSize(tokens / length).length(length).vocabSize(32_000).topK(k)
                .support(2 * k).padFraction(0.25).build();
    }

    private SyntheticRollouts(Spec spec) {
        this.spec = spec;
        batchSize = spec.batchSize();
        length = spec.length();
        vocabSize = spec.vocabSize();
        k = spec.k();
        support = spec.support();
        int n = batchSize * length;
        tokenIds = new int[n];
        responseMask = new float[n];
        rolloutLogProbs = new float[n];
        oldLogProbs = new float[n];
        logProbs = new float[n];
        advantages = new float[n];
        boolean exact = support == vocabSize;
        supportIds = exact ? null : new int[n * support];
        rolloutSupport = new float[n * support];
        oldSupport = new float[n * support];
        newSupport = new float[n * support];
        rolloutVocabLogProbs = exact ? rolloutSupport : null;
        oldVocabLogProbs = exact ? oldSupport : null;
        vocabLogProbs = exact ? newSupport : null;
        rolloutLogits = exact ? new float[n * support] : null;
        policyLogits = exact ? new float[n * support] : null;
        generate(new SplittableRandom(spec.seed()));
    }

    private void generate(SplittableRandom random) {
        int c = support;
        double[] rolloutRow = new double[c];
        double[] policyRow = new double[c];
        double[] anchorRow = new double[c];
        double[] rolloutRowLogProbs = new double[c];
        boolean[] taken = supportIds == null ? null : new boolean[vocabSize];
        for (int b = 0; b < batchSize; b++) {
            int validLength = length;
            if (random.nextDouble() < spec.padFraction()) {
                validLength = random.nextInt(length + 1); // 0 makes an all-padding row
            }
            double rowAdvantage = random.nextGaussian();
            for (int i = 0; i < length; i++) {
                int t = b * length + i;
                boolean hole = random.nextDouble() < 0.1 * spec.padFraction();
                responseMask[t] = i < validLength && !hole ? 1f : 0f;
                int base = t * c;
                if (supportIds != null) {
                    drawSupport(random, taken, base);
                }
                for (int x = 0; x < c; x++) {
                    rolloutRow[x] = spec.logitScale() * random.nextGaussian();
                    policyRow[x] = rolloutRow[x] + spec.mismatch() * random.nextGaussian();
                    anchorRow[x] = policyRow[x] + 0.3 * spec.mismatch() * random.nextGaussian();
                }
                maskOut(rolloutRow, spec.maskedProb(), random);
                maskOut(policyRow, spec.maskedProb(), random);
                maskOut(anchorRow, spec.maskedProb(), random);
                if (policyLogits != null) {
                    store(rolloutRow, this.rolloutLogits, base);
                    store(policyRow, policyLogits, base);
                }
                logSoftmax(rolloutRow, rolloutRowLogProbs);
                store(rolloutRowLogProbs, rolloutSupport, base);
                logSoftmax(policyRow, policyRow);
                store(policyRow, newSupport, base);
                logSoftmax(anchorRow, anchorRow);
                store(anchorRow, oldSupport, base);
                int sampled = sample(rolloutRowLogProbs, random);
                tokenIds[t] = id(base, sampled);
                rolloutLogProbs[t] = rolloutSupport[base + sampled];
                logProbs[t] = newSupport[base + sampled];
                oldLogProbs[t] = oldSupport[base + sampled];
                advantages[t] = (float) (random.nextBoolean() ? rowAdvantage : rowAdvantage + 0.5 * random.nextGaussian());
            }
        }
    }

    /** {@code support} distinct ids drawn uniformly from the vocabulary into supportIds[base, base+support). */
    private void drawSupport(SplittableRandom random, boolean[] taken, int base) {
        for (int x = 0; x < support; x++) {
            int id;
            do {
                id = random.nextInt(vocabSize);
            } while (taken[id]);
            taken[id] = true;
            supportIds[base + x] = id;
        }
        for (int x = 0; x < support; x++) {
            taken[supportIds[base + x]] = false;
        }
    }

    private int id(int base, int index) {
        return supportIds == null ? index : supportIds[base + index];
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

    /** log p = logit − log Σ exp(logit), in double; {@code out} may be {@code logits}. */
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

    private static void store(double[] values, float[] dst, int base) {
        for (int x = 0; x < values.length; x++) {
            dst[base + x] = (float) values[x];
        }
    }

    /** An index drawn with probability exp(logProbs[index]). */
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

    /** B·T. */
    public int tokenCount() {
        return batchSize * length;
    }

    /** Positions with response mask 1. */
    public int validTokens() {
        int n = 0;
        for (float m : responseMask) {
            n += (int) m;
        }
        return n;
    }

    /** The target's [B,T,V] log-probs (MATH.md §2): p_θ for LATEST, p_ref for REFERENCE; null as {@link #vocabLogProbs}. */
    public float[] targetVocabLogProbs(Target target) {
        return target == Target.LATEST ? vocabLogProbs : oldVocabLogProbs;
    }

    /** ℓ_tgt at the sampled tokens. */
    public float[] targetLogProbs(Target target) {
        return target == Target.LATEST ? logProbs : oldLogProbs;
    }

    /** The top-k lists of q and of the target, built on first use. */
    public TopKLists topK(Target target) {
        if (target == Target.LATEST) {
            if (latestTopK == null) {
                latestTopK = topKLists(newSupport);
            }
            return latestTopK;
        }
        if (referenceTopK == null) {
            referenceTopK = topKLists(oldSupport);
        }
        return referenceTopK;
    }

    private TopKLists topKLists(float[] target) {
        TopKLists top = new TopKLists(tokenCount() * k);
        int[] order = new int[k];
        for (int t = 0; t < tokenCount(); t++) {
            int base = t * support;
            int list = t * k;
            largest(rolloutSupport, base, order);
            for (int j = 0; j < k; j++) {
                top.rolloutIds[list + j] = id(base, order[j]);
                top.rolloutLogProbs[list + j] = rolloutSupport[base + order[j]];
                top.targetAtRollout[list + j] = target[base + order[j]];
            }
            largest(target, base, order);
            for (int j = 0; j < k; j++) {
                top.targetIds[list + j] = id(base, order[j]);
                top.targetLogProbs[list + j] = target[base + order[j]];
                top.rolloutAtTarget[list + j] = rolloutSupport[base + order[j]];
            }
        }
        return top;
    }

    /**
     * The support indices of the {@code order.length} largest of {@code values[base, base+support)},
     * largest first, ties to the lower id: kept sorted by insertion, O(support·k) at worst.
     */
    private void largest(float[] values, int base, int[] order) {
        int filled = 0;
        for (int x = 0; x < support; x++) {
            if (filled == order.length && !before(values, base, x, order[filled - 1])) {
                continue;
            }
            int j = filled == order.length ? filled - 1 : filled++;
            while (j > 0 && before(values, base, x, order[j - 1])) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = x;
        }
    }

    private boolean before(float[] values, int base, int x, int y) {
        float vx = values[base + x];
        float vy = values[base + y];
        return vx > vy || vx == vy && id(base, x) < id(base, y);
    }

    /** The draws of MATH.md §3 for every position of this batch at (seed, step), via {@link RejectionUniforms}. */
    public float[] uniforms(long seed, long step) {
        return RejectionUniforms.fill(seed, step, 0, batchSize, length, new float[tokenCount()]);
    }

    /** The whole batch with the current policy as target and the most complete top-k inputs. */
    public JackpotBatch batch() {
        return batch(Target.LATEST, Inputs.TOP_K_CROSS);
    }

    /** The whole batch with {@code inputs}, over plain arrays. */
    public JackpotBatch batch(Target target, Inputs inputs) {
        return batch(target, inputs, 0, batchSize);
    }

    /**
     * Rows [from, to) as a batch of its own: views at offsets into the same arrays, with
     * {@code sequenceOffset = from} so the rejection draws are those of the whole batch.
     */
    public JackpotBatch batch(Target target, Inputs inputs, int from, int to) {
        return batchBuilder(target, inputs, from, to).build();
    }

    /** As {@link #batch(Target, Inputs, int, int)} but claiming global offset {@code sequenceOffset}. */
    public JackpotBatch batch(Target target, Inputs inputs, int from, int to, long sequenceOffset) {
        return batchBuilder(target, inputs, from, to).sequenceOffset(sequenceOffset).build();
    }

    /** The builder of {@link #batch(Target, Inputs, int, int)}, step 0, for a test to change. */
    public JackpotBatch.Builder batchBuilder(Target target, Inputs inputs, int from, int to) {
        int rows = to - from;
        int[] tokens = {rows, length};
        int tokenOffset = from * length;
        boolean full = inputs == Inputs.FULL_VOCAB;
        if (full && rolloutVocabLogProbs == null) {
            throw new IllegalStateException("FULL_VOCAB needs the whole vocabulary as support: " + spec);
        }
        JackpotBatch.Builder b = (full ? JackpotBatch.builder(rows, length) : JackpotBatch.builder(rows, length, k))
                .step(0)
                .vocabSize(vocabSize)
                .sequenceOffset(from)
                .responseMask(FloatView.at(responseMask, tokenOffset, tokens))
                .rolloutLogProbs(FloatView.at(rolloutLogProbs, tokenOffset, tokens))
                .oldLogProbs(FloatView.at(oldLogProbs, tokenOffset, tokens))
                .logProbs(FloatView.at(logProbs, tokenOffset, tokens))
                .advantages(FloatView.at(advantages, tokenOffset, tokens));
        if (full) {
            int[] shape = {rows, length, vocabSize};
            int offset = tokenOffset * vocabSize;
            return b.fullVocabLogProbs(FloatView.at(rolloutVocabLogProbs, offset, shape),
                    FloatView.at(targetVocabLogProbs(target), offset, shape));
        }
        TopKLists top = topK(target);
        int[] lists = {rows, length, k};
        int offset = tokenOffset * k;
        b.rolloutTopK(IdView.at(top.rolloutIds, offset, lists), FloatView.at(top.rolloutLogProbs, offset, lists))
                .targetTopK(IdView.at(top.targetIds, offset, lists), FloatView.at(top.targetLogProbs, offset, lists))
                .targetLogProbsAtRolloutTopK(FloatView.at(top.targetAtRollout, offset, lists));
        if (inputs == Inputs.TOP_K_CROSS) {
            b.rolloutLogProbsAtTargetTopK(FloatView.at(top.rolloutAtTarget, offset, lists));
        }
        return b;
    }
}
