package io.github.jackpot4j.core;

/**
 * Zapprox_t of MATH.md §4: Σ over the union V_k(t) = topk(p_inf) ∪ topk(p_tgt), each id once, of
 * min(q(x), p(x)/λ); with renormalization over V_k, or exactly over the vocabulary when full
 * log-probs are given. One call per token; the caller's {@link Scratch} makes it allocation-free.
 */
final class UnionNormalizer {
    /**
     * Union masses below this are renormalized in log space ({@link #renormalizedInLogSpace}). 1e-250
     * keeps 1/mass and λ⁻¹/mass (λ ≥ 1e-30) far from overflow and every term of the sum far from the
     * subnormal range, while ordinary inputs (mass ≥ 1/V) keep the plain path and their exact bits.
     */
    static final double RENORM_FLOOR = 1e-250;

    /** About this many list elements per block of tokens whose exponentials are prepared together. */
    static final int BLOCK_ELEMENTS = 256;

    static int blockTokens(int topK) {
        return Math.max(1, BLOCK_ELEMENTS / Math.max(topK, 1));
    }

    /** Largest vocabulary for which the union uses a bit set over ids (2^22 ids: 512 KiB per worker). */
    static final int BITSET_MAX_VOCAB = 1 << 22;

    private final JackpotBatch batch;
    private final int k;
    private final double invLambda;
    private final boolean renorm;
    private final boolean boundMissing;
    private final FloatView crossRolloutLogProbs;

    /** Per-worker reusable state: the id map and the q, p of the union's members. */
    static final class Scratch {
        final SmallIdSet ids;
        final double[] q;
        final double[] p;
        /** Positions in the target list of the ids not in the rollout list. */
        final int[] extra;
        final int topK;
        /** Tokens [blockStart, blockEnd) have their rollout lists' exponentials in {@link #blockExp}. */
        int blockStart;
        int blockEnd = -1;
        /** A block's log-probs as doubles (the input of {@link FastExp#prepare}). */
        final double[] blockIn;
        /** The block's {@link FastExp#shifted} and {@link FastExp#poly} parts, one list at a time. */
        final double[] blockShifted;
        final double[] blockPoly;
        /** The finished exponentials of the two rollout-list inputs (every element is a union member). */
        final double[][] blockExp = new double[2][];
        /** One bit per vocabulary id when the vocabulary is known and small enough ({@link #BITSET_MAX_VOCAB}). */
        long[] bits;
        int unionSize;
        double rolloutMass;
        double targetMass;

        Scratch(int topK) {
            this.topK = topK;
            ids = new SmallIdSet(2 * Math.max(topK, 1));
            q = new double[2 * Math.max(topK, 1)];
            p = new double[2 * Math.max(topK, 1)];
            extra = new int[Math.max(topK, 1)];
            int size = blockTokens(topK) * Math.max(topK, 1);
            blockIn = new double[size];
            blockShifted = new double[size];
            blockPoly = new double[size];
            blockExp[0] = new double[size];
            blockExp[1] = new double[size];
        }

        /** Helper scratches kept for later parallel calls on the same result ({@link JackpotKernel#newScratch}). */
        private Scratch[] spares;

        /** The i-th kept helper scratch, created on first use. Guarded by this scratch's monitor. */
        Scratch spare(int i) {
            if (spares == null || i >= spares.length) {
                spares = java.util.Arrays.copyOf(spares == null ? new Scratch[0] : spares, Math.max(4, 2 * i + 2));
            }
            if (spares[i] == null) {
                spares[i] = new Scratch(topK);
            }
            return spares[i];
        }

        /** After a failure inside a token the bit set may hold that token's ids: empty it. */
        void clearAfterFailure() {
            if (bits != null) {
                java.util.Arrays.fill(bits, 0L);
            }
            blockEnd = -1;
        }

        /** Forgets the prepared block (the batch's data may have changed since the last call). */
        void resetBlock() {
            blockEnd = -1;
        }
    }

    UnionNormalizer(JackpotConfig config, JackpotBatch batch, double lambda) {
        this.batch = batch;
        this.k = batch.topK;
        this.invLambda = 1.0 / lambda;
        this.renorm = config.useTopkRenorm();
        this.boundMissing = config.missingRolloutProb() == MissingRolloutProb.BOUND;
        this.crossRolloutLogProbs = config.useLatestLogits() ? batch.rolloutLogProbsAtTargetTopk : null;
    }

    /** Zapprox at flat token index t; union size and masses are left in {@code s}. */
    double zApprox(int t, Scratch s) {
        return batch.rolloutFullLogProbs != null ? exact(t, s) : topK(t, s);
    }

    private double topK(int t, Scratch s) {
        if (renorm) {
            return topKRenormalized(t, s);
        }
        int vocab = batch.vocabSize;
        if (vocab > 0 && vocab <= BITSET_MAX_VOCAB) {
            int words = (vocab + 63) >>> 6;
            if (s.bits == null || s.bits.length < words) {
                s.bits = new long[words]; // once per worker scratch, all zero between tokens
            }
            return topKPlain(t, s, s.bits);
        }
        return topKPlain(t, s, null);
    }

    /**
     * Without renormalization every term is min(q, p/λ) as soon as q and p are known: the union is
     * built first (the target ids not in the rollout list, compacted without a branch), then both
     * masses and Zapprox are summed in the order of the rollout list and then of those extra ids (the
     * order of one pass over the two lists, hence its bits). The membership test is a bit set over the
     * vocabulary ({@code bits}, ids validated to lie in [0, vocab)): one load, shift and mask per id;
     * the rollout ids' words are zeroed again (they hold no other bits) inside the loop that sums the
     * rollout list's terms (one loop exit less per token), so the set is empty for the next token.
     * Without a known vocabulary ({@code bits == null}) it is the scratch's hash set.
     */
    private double topKPlain(int t, Scratch s, long[] bits) {
        final int base = t * k;
        final int k = this.k;
        final IdView rolloutIds = batch.rolloutTopkIds;
        final FloatView targetLp = batch.targetTopkLogProbs;
        final FloatView cross = crossRolloutLogProbs;
        final double invLambda = this.invLambda;
        final int[] extra = s.extra;
        final int m = bits != null ? extraIds(base, bits, extra) : extraIds(base, s.ids, extra);
        if (t < s.blockStart || t >= s.blockEnd) {
            prepareBlock(t, s);
        }
        final int o = (t - s.blockStart) * k;
        final double[] qs = s.blockExp[0];
        final double[] ps = s.blockExp[1];
        double fill = 0.0;
        if (cross == null && boundMissing) {
            double smallestRolloutProb = Double.POSITIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                smallestRolloutProb = Math.min(smallestRolloutProb, qs[o + j]);
            }
            fill = smallestRolloutProb;
        }
        double rolloutMass = 0;
        double targetMass = 0;
        double z = 0;
        for (int j = 0; j < k; j++) {
            if (bits != null) {
                bits[rolloutIds.get(base + j) >>> 6] = 0L; // the set is empty again for the next token
            }
            double qj = qs[o + j];
            double pj = ps[o + j];
            rolloutMass += qj;
            targetMass += pj;
            z += Math.min(qj, pj * invLambda);
        }
        // one loop over the extra ids (their number varies per token: one mispredicted exit, not three):
        // p, and q from the cross list, or ZERO: the term min(0, ·) = 0 keeps Zapprox <= Z; BOUND: q_(k)
        // bounds the unseen q from above.
        for (int e = 0; e < m; e++) {
            final int j = extra[e];
            final double pe = FastExp.exp(targetLp.get(base + j));
            final double qe = cross != null ? FastExp.exp(cross.get(base + j)) : fill;
            rolloutMass += qe;
            targetMass += pe;
            z += Math.min(qe, pe * invLambda);
        }
        s.unionSize = k + m;
        s.rolloutMass = rolloutMass;
        s.targetMass = targetMass;
        return z;
    }

    /** The positions in the target list of token {@code base / k}'s ids not in its rollout list, by bit set; their number. */
    private int extraIds(int base, long[] bits, int[] extra) {
        final IdView rolloutIds = batch.rolloutTopkIds;
        final IdView targetIds = batch.targetTopkIds;
        for (int j = 0; j < k; j++) {
            int id = rolloutIds.get(base + j);
            bits[id >>> 6] |= 1L << id;
        }
        int m = 0;
        for (int j = 0; j < k; j++) {
            int id = targetIds.get(base + j);
            extra[m] = j;
            m += (int) (~(bits[id >>> 6] >>> id) & 1L);
        }
        return m;
    }

    /** {@link #extraIds(int, long[], int[])} by hash set (the vocabulary unknown or beyond the bit set). */
    private int extraIds(int base, SmallIdSet ids, int[] extra) {
        ids.clear();
        for (int j = 0; j < k; j++) {
            ids.add(batch.rolloutTopkIds.get(base + j));
        }
        int m = 0;
        for (int j = 0; j < k; j++) {
            extra[m] = j;
            m += ids.contains(batch.targetTopkIds.get(base + j)) ? 0 : 1;
        }
        return m;
    }

    /**
     * The exponentials of the two rollout-list inputs (q and p at the rollout's ids) of tokens
     * [t, t + {@link #blockTokens}) (capped at the batch's end): the tokens a worker visits next. Padding
     * tokens are done too (cheap in vector form). The target list's extra ids, a few per token, take
     * the scalar {@link FastExp#exp} (the same operations, so the same bits) where they are summed.
     */
    private void prepareBlock(int t, Scratch s) {
        int tokens = batch.batchSize * batch.length;
        int end = Math.min(tokens, t + blockTokens(k));
        int n = (end - t) * k;
        int from = t * k;
        exponentials(batch.rolloutTopkLogProbs, from, n, s, s.blockExp[0]);
        exponentials(batch.targetLogProbsAtRolloutTopk, from, n, s, s.blockExp[1]);
        s.blockStart = t;
        s.blockEnd = end;
    }

    /**
     * e^x of the block's elements [from, from + n) of one rollout list into {@code exp} (every element of
     * those lists is a union member): the table-free parts in a loop the JIT vectorizes, then the lookups.
     */
    private static void exponentials(FloatView view, int from, int n, Scratch s, double[] exp) {
        final double[] in = s.blockIn;
        final double[] shifted = s.blockShifted;
        final double[] poly = s.blockPoly;
        for (int i = 0; i < n; i++) {
            in[i] = view.get(from + i);
        }
        FastExp.prepare(in, n, shifted, poly);
        for (int i = 0; i < n; i++) {
            exp[i] = FastExp.finish(in[i], shifted[i], poly[i]);
        }
    }

    private double topKRenormalized(int t, Scratch s) {
        final int base = t * k;
        final double[] q = s.q;
        final double[] p = s.p;
        final FloatView rolloutLp = batch.rolloutTopkLogProbs;
        final FloatView targetAtRollout = batch.targetLogProbsAtRolloutTopk;
        final FloatView targetLp = batch.targetTopkLogProbs;
        final int[] extra = s.extra;
        final int n = k + extraIds(base, s.ids, extra); // extra keeps them for the log-space path
        double smallestRolloutProb = Double.POSITIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            q[j] = FastExp.exp(rolloutLp.get(base + j));
            p[j] = FastExp.exp(targetAtRollout.get(base + j));
            smallestRolloutProb = Math.min(smallestRolloutProb, q[j]);
        }
        for (int u = k; u < n; u++) { // the target's ids not in the rollout list: each id once
            final int j = extra[u - k];
            p[u] = FastExp.exp(targetLp.get(base + j));
            // ZERO: the term min(0, ·) = 0 keeps Zapprox <= Z; BOUND: q_(k) bounds the unseen q from above.
            q[u] = crossRolloutLogProbs != null ? FastExp.exp(crossRolloutLogProbs.get(base + j))
                    : boundMissing ? smallestRolloutProb : 0.0;
        }
        double rolloutMass = 0;
        double targetMass = 0;
        for (int j = 0; j < n; j++) {
            rolloutMass += q[j];
            targetMass += p[j];
        }
        s.unionSize = n;
        s.rolloutMass = rolloutMass;
        s.targetMass = targetMass;
        if (rolloutMass < RENORM_FLOOR || targetMass < RENORM_FLOOR) {
            // 1/mass would overflow (or lose the subnormal digits): rollout top-k {−740, −∞} gave
            // 0·∞ = NaN. Renormalize in log space instead, which is exactly scale-free.
            return renormalizedInLogSpace(t, n, s);
        }
        return sumOfMinima(q, p, n, 1.0 / rolloutMass, invLambda / targetMass);
    }

    /** Σ min(q_j·qScale, p_j·pScale) over the union's n members: Zapprox of the renormalized q̂, p̂/λ. */
    private static double sumOfMinima(double[] q, double[] p, int n, double qScale, double pScale) {
        double z = 0;
        for (int j = 0; j < n; j++) {
            z += Math.min(q[j] * qScale, p[j] * pScale);
        }
        return z;
    }

    /**
     * Σ min(q̂, p̂/λ) over the union with q̂ = exp(ℓq − max ℓq) / Σ exp(ℓq − max ℓq) (same for p̂):
     * the renormalized distributions do not depend on the scale of q and p, so tails of any depth
     * (top-k log-probs at −800, whose exp is 0) give the same Zapprox as the same shape at −8. Reads
     * the log-probs again, in the order {@link #topK} visited them (the scratch's {@code extra} still
     * holds this token's extra ids); only reached when a union mass is below {@link #RENORM_FLOOR}. A side without any
     * finite log-prob has no mass at all: 0, as before.
     */
    private double renormalizedInLogSpace(int t, int n, Scratch s) {
        final int base = t * k;
        final double[] lq = s.q;
        final double[] lp = s.p;
        double logSmallest = Double.POSITIVE_INFINITY; // log q_(k) for BOUND, exact even where exp underflows
        double maxQ = Double.NEGATIVE_INFINITY;
        double maxP = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            lq[j] = batch.rolloutTopkLogProbs.get(base + j);
            lp[j] = batch.targetLogProbsAtRolloutTopk.get(base + j);
            logSmallest = Math.min(logSmallest, lq[j]);
        }
        for (int u = k; u < n; u++) {
            final int j = s.extra[u - k];
            lp[u] = batch.targetTopkLogProbs.get(base + j);
            lq[u] = crossRolloutLogProbs != null ? crossRolloutLogProbs.get(base + j)
                    : boundMissing ? logSmallest : Double.NEGATIVE_INFINITY;
        }
        for (int j = 0; j < n; j++) {
            maxQ = Math.max(maxQ, lq[j]);
            maxP = Math.max(maxP, lp[j]);
        }
        if (maxQ == Double.NEGATIVE_INFINITY || maxP == Double.NEGATIVE_INFINITY) {
            return 0.0; // no mass to renormalize: the union carries no overlap
        }
        double sumQ = 0;
        double sumP = 0;
        for (int j = 0; j < n; j++) {
            lq[j] = FastExp.exp(lq[j] - maxQ);
            lp[j] = FastExp.exp(lp[j] - maxP);
            sumQ += lq[j];
            sumP += lp[j];
        }
        return sumOfMinima(lq, lp, n, 1.0 / sumQ, invLambda / sumP); // sumQ, sumP ∈ [1, n]: finite, normal scales
    }

    private double exact(int t, Scratch s) {
        final FloatView rollout = batch.rolloutFullLogProbs;
        final FloatView target = batch.targetFullLogProbs;
        final int v = rollout.dim(2);
        final int base = t * v;
        double z = 0;
        double rolloutMass = 0;
        double targetMass = 0;
        for (int x = 0; x < v; x++) {
            double q = FastExp.exp(rollout.get(base + x));
            double p = FastExp.exp(target.get(base + x));
            rolloutMass += q;
            targetMass += p;
            z += Math.min(q, p * invLambda);
        }
        s.unionSize = v;
        s.rolloutMass = rolloutMass;
        s.targetMass = targetMass;
        return z;
    }
}
