package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.lang.ref.Reference;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * The k largest log-probs of each row over the vocabulary (the target's and the rollout model's top-k
 * lists of MATH.md §1, §4), as {@code NDArray.topK(k, -1)} gives them: values in descending order with
 * NaN ranked above every number, and their int64 ids. On the CPU a float32 array is read in place and
 * scanned in Java ({@link DjlHost}) — one compare per element against a threshold near the k-th best —
 * which is several times faster than libtorch's per-row partial sort of a vocabulary. Other devices,
 * dtypes and long lists use the engine's {@code topK}. Ties
 * keep the lower id first; which of several equal log-probs at the k-th place is kept is not part of
 * the math (either choice is a top-k list).
 */
final class DjlTopK {
    /** Above this k the engine's top-k is used (the plain scan inserts each entry that passes in a sorted list of k). */
    static final int MAX_HOST_K = 64;

    private DjlTopK() {
    }

    /**
     * {@code [values, ids]} of the k largest entries along the last axis of {@code logProbs} [..., V]
     * (stop-gradient), k ≤ V: values float32 [..., k], ids int64 [..., k], in engine-owned memory.
     *
     * @param hint null, or k ids per row [..., k] whose entries are likely among the largest (the
     *             rollout model's top-k): when they are k distinct ids in [0, V), the least of their
     *             values is a lower bound of the k-th largest, so the scan skips every entry below it
     *             (fewer candidates). Without a hint the bound comes from the row's first chunk. Any
     *             hint gives the same lists: a row whose hint is not k distinct ids in range (then
     *             fewer than k entries may reach the bound) goes to the plain scan.
     */
    static NDList topK(NDArray logProbs, int k, NDArray hint) {
        return topK(logProbs, k, hint, DjlHost.threads(logProbs));
    }

    /** {@link #topK(NDArray, int, NDArray)} with the host scan's rows split over {@code threads} threads. */
    static NDList topK(NDArray logProbs, int k, NDArray hint, int threads) {
        Shape shape = logProbs.getShape();
        long vocab = shape.get(shape.dimension() - 1);
        if (!DjlHost.readable(logProbs, DataType.FLOAT32) || k > MAX_HOST_K || k > vocab || logProbs.isEmpty()) {
            return logProbs.topK(k, -1);
        }
        int rows = Math.toIntExact(logProbs.size() / vocab);
        boolean hinted = hint != null && DjlHost.readable(hint, DataType.INT64, DataType.INT32) && hint.size() == (long) rows * k;
        Shape lists = shape.slice(0, shape.dimension() - 1).add(k);
        NDManager manager = logProbs.getManager();
        NDArray values = DjlHost.newArray(manager, lists, DataType.FLOAT32);
        NDArray ids = DjlHost.newArray(manager, lists, DataType.INT64);
        try {
            ByteBuffer bytes = logProbs.toByteBuffer(true); // in place, as DjlHost.floats
            FloatBuffer in = bytes.asFloatBuffer();
            IntBuffer inBits = bytes.asIntBuffer();
            Buffer hintIds = hinted ? DjlHost.ids(hint) : null;
            FloatBuffer valuesOut = DjlHost.floats(values);
            LongBuffer idsOut = DjlHost.longs(ids);
            DjlHost.forRows(rows, threads, (from, to) -> new Scan(in, inBits, (int) vocab, k, hintIds).rows(from, to, valuesOut, idsOut));
        } finally {
            Reference.reachabilityFence(logProbs);
            Reference.reachabilityFence(hint);
            Reference.reachabilityFence(values);
            Reference.reachabilityFence(ids);
        }
        return new NDList(values, ids);
    }

    /**
     * Entries of one lane: the scan copies a row in chunks of {@link #LANES} lanes of this many
     * consecutive entries (16 KiB: a chunk stays in the L1 cache while read), and bit l of
     * {@code flags[i]} says whether entry {@code l·LANE + i} of the chunk is below the bound, so the 16
     * tests of a flag word are one vectorized loop over i per lane ({@link #flag}).
     */
    private static final int LANE = 256;
    /** Lanes of a chunk: the bits of a flag word. */
    private static final int LANES = 16;
    /** Entries of a chunk. */
    static final int CHUNK = LANES * LANE;
    /** A flag word whose {@link #LANES} entries are all below the bound. */
    private static final int ALL_BELOW = (1 << LANES) - 1;
    /**
     * The bits of −∞, which fill the rest of a row's last chunk: below every bound but −∞, and with a
     * bound of −∞ every entry of the row is a candidate too and ranks above the padding (an equal value
     * at a lower id), so no padding enters a list.
     */
    private static final int PAD = Float.floatToRawIntBits(Float.NEGATIVE_INFINITY);
    /** Added to an entry's bits so that the entries below a bound ≤ 0 are one signed range (see {@link #below}). */
    static final int SHIFT = -Float.floatToRawIntBits(Float.NEGATIVE_INFINITY) - 1;

    /**
     * One thread's scan: rows of {@code vocab} floats, each into its k largest. A lower bound of the
     * row's k-th largest — with a hint, the least value at its ids; without one, the least of k
     * entries of the first chunk ({@link Scan#lanesBound}) — makes the entries at least the bound (NaN
     * included) the candidates, whose best k, by quickselect and a sort of k keys, are the list. The
     * list does not depend on the bound: the candidates are exactly the entries at least it, and the
     * list is taken from them only when there are k, so a bound that is too high (a hint of repeated
     * ids) only sends the row to the plain scan. The row is copied in chunks of {@link #CHUNK}
     * entries; each entry is tested on its bits ({@link #below}), the tests of 16 entries packed in a
     * flag word ({@link #flag}: vectorized), and only the words with a candidate are read again. The
     * bound rises as the chunks come in: whenever 2k candidates are collected, the best k are kept and
     * the k-th of them becomes the bound, so in a long row (Qwen's 151,936 entries) ~k candidates
     * remain. With a bound that is NaN or above 0 (or fewer than k candidates), the plain scan: one
     * compare per entry against the k-th best so far, with a sorted insertion for each entry that
     * passes.
     */
    private static final class Scan {
        private final FloatBuffer in;
        private final IntBuffer bits;
        private final int vocab;
        private final int k;
        private final Buffer hint;
        private final int[] chunk;
        private final int[] flags;
        private final int[] flagged;
        private final int[] maxima;
        private long[] keys;
        private final float[] best;
        private final int[] at;
        private final long[] hinted;
        private final int[] narrow;
        private float[] row;
        private final long[] rowIds;

        Scan(FloatBuffer in, IntBuffer bits, int vocab, int k, Buffer hint) {
            this.in = in;
            this.bits = bits;
            this.vocab = vocab;
            this.k = k;
            this.hint = hint;
            chunk = new int[CHUNK];
            flags = new int[LANE];
            flagged = new int[LANE];
            maxima = hint == null ? new int[LANE] : null;
            keys = new long[4 * k];
            best = new float[k];
            at = new int[k];
            hinted = new long[k];
            narrow = new int[k];
            rowIds = new long[k];
        }

        /** Rows [from, to): their lists written at the same rows of {@code values} and {@code ids}. */
        void rows(int from, int to, FloatBuffer values, LongBuffer ids) {
            for (int r = from; r < to; r++) {
                int base = r * vocab;
                if (!fromChunks(base)) { // a bound that is NaN or above 0, or a hint not k distinct ids of the row
                    scan(copyRow(base));
                }
                for (int j = 0; j < k; j++) {
                    rowIds[j] = at[j];
                    best[j] = in.get(base + at[j]);
                }
                values.put(r * k, best);
                ids.put(r * k, rowIds);
            }
        }

        /**
         * The least value at the row's hinted ids, read from its first chunk when that is the whole row
         * (copied) or else from the array; NaN (no bound) with an id out of range or a NaN.
         */
        private float hintBound(int base) {
            DjlHost.copyIds(hint, base / vocab * k, hinted, narrow, k);
            float least = Float.POSITIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                long id = hinted[j];
                if (id < 0 || id >= vocab) {
                    return Float.NaN;
                }
                float value = vocab <= CHUNK ? Float.intBitsToFloat(chunk[(int) id]) : in.get(base + (int) id);
                least = Math.min(least, value); // NaN when the value is NaN
            }
            return least;
        }

        /**
         * Without a hint: a lower bound of the row's k-th largest from its first chunk — its positions in k
         * groups, the largest entry of each group (over the 16 lanes), and the least of those k entries
         * of the row; NaN when one of them is not a number below 0 (the plain scan then). A group's
         * largest that is only padding is −∞, and a bound of −∞ lets every entry through.
         */
        private float lanesBound() {
            int[] m = maxima;
            positionMaxima(chunk, m);
            int least = Integer.MIN_VALUE; // as ranks: the largest rank is the least entry
            for (int g = 0; g < k; g++) {
                int most = Integer.MAX_VALUE;
                for (int i = g * LANE / k, end = (g + 1) * LANE / k; i < end; i++) {
                    most = Math.min(most, m[i]);
                }
                least = Math.max(least, most);
            }
            return Float.intBitsToFloat(least - SHIFT); // a NaN for a rank of Integer.MIN_VALUE or of a NaN
        }

        /** Appends the key of the entry with bits {@code entryBits} at {@code id} to the n in {@code keys}; n + 1. */
        private int candidate(int n, int entryBits, int id) {
            if (n == keys.length) {
                keys = Arrays.copyOf(keys, 2 * n);
            }
            keys[n] = key(Float.intBitsToFloat(entryBits), id);
            return n + 1;
        }

        /**
         * The row's top-k ids into {@code at}, read in chunks, from its entries at least a lower bound of its
         * k-th largest ({@link #hintBound} or {@link #lanesBound}; NaN included), the bound rising as
         * candidates come in; false when fewer than k entries reach it, or it is NaN or above 0 (the plain
         * scan then).
         */
        private boolean fromChunks(int base) {
            copy(base, Math.min(CHUNK, vocab)); // the first chunk, which the bound may read
            float bound = hint != null ? hintBound(base) : lanesBound();
            if (!(bound <= 0)) {
                return false;
            }
            int low = lowBits(bound);
            int n = 0;
            for (int c = 0; c < vocab; c += CHUNK) {
                if (c > 0) {
                    copy(base + c, Math.min(CHUNK, vocab - c));
                }
                flag(chunk, flags, low);
                int m = 0;
                for (int i = 0; i < LANE; i++) { // the words with a candidate, without a branch
                    flagged[m] = i;
                    m += flags[i] != ALL_BELOW ? 1 : 0;
                }
                for (int q = 0; q < m; q++) {
                    int i = flagged[q];
                    for (int pass = ~flags[i] & ALL_BELOW; pass != 0; pass &= pass - 1) {
                        int position = Integer.numberOfTrailingZeros(pass) * LANE + i;
                        n = candidate(n, chunk[position], c + position);
                    }
                }
                if (n >= 2 * k && vocab - c > CHUNK) { // more to read: keep the best k, the least of them a higher bound
                    select(keys, n, k);
                    n = k;
                    float kth = valueOf(keys[k - 1]);
                    if (kth <= 0) { // a NaN or a positive k-th best keeps the bound it has
                        low = Math.min(low, lowBits(kth));
                    }
                }
            }
            return best(n);
        }

        /** Entries [at, at + len) of the array into {@link #chunk} (one bulk copy), the rest of it −∞. */
        private void copy(int at, int len) {
            bits.get(at, chunk, 0, len);
            if (len < CHUNK) {
                Arrays.fill(chunk, len, CHUNK, PAD);
            }
        }

        /** The best k of the n candidate keys, sorted, into {@code at}; false when n < k. */
        private boolean best(int n) {
            if (n < k) {
                return false;
            }
            if (n > k) {
                select(keys, n, k);
            }
            Arrays.sort(keys, 0, k);
            for (int j = 0; j < k; j++) {
                at[j] = (int) keys[j];
            }
            return true;
        }

        /** The row's entries, copied in bulk for the plain scan: it then reads a Java array (faster than buffer reads). */
        private float[] copyRow(int base) {
            if (row == null) {
                row = new float[vocab];
            }
            in.get(base, row);
            return row;
        }

        /** The k largest of {@code row} (a row copied) into {@code best}/{@code at} by one pass with a sorted insertion per entry that passes. */
        private void scan(float[] row) {
            for (int i = 0; i < k; i++) {
                insert(best, at, i, row[i], i);
            }
            float kth = best[k - 1];
            for (int i = k; i < vocab; i++) {
                float v = row[i];
                if (!(v <= kth)) { // rare once the list is full: greater, NaN, or a NaN k-th best
                    if (v > kth || (v != v && kth == kth)) { // NaN ranks above every number, as in torch
                        insert(best, at, k - 1, v, i);
                        kth = best[k - 1];
                    }
                }
            }
        }
    }

    /**
     * Bit l of {@code f[i]} set when entry {@code l·LANE + i} of {@code chunk} is below the bound
     * {@code low} ({@link #lowBits}), for i &lt; {@link #LANE}. One loop per lane, written out: each is
     * vectorized by the JIT. (Written as a loop over lanes, or inlined into a larger method — this one
     * is too large to be inlined — the JIT of Java 17 vectorized the lane loops in only about half of the
     * runs, and the scan of [4,128,4096] then took 2.5 ms instead of 1.7. One loop over the positions
     * with the 16 lanes in its body, for this method and {@link #positionMaxima}, was not vectorized in
     * any of 6 runs: 2.0-2.2 ms against 1.3-1.4 ms, {@code TopKTime 4,128,4096 300 4}.)
     */
    private static void flag(int[] chunk, int[] f, int low) {
        for (int i = 0; i < LANE; i++) {
            f[i] = below(chunk[i], low) >>> 31;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[LANE + i], low) >>> 31 << 1;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[2 * LANE + i], low) >>> 31 << 2;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[3 * LANE + i], low) >>> 31 << 3;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[4 * LANE + i], low) >>> 31 << 4;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[5 * LANE + i], low) >>> 31 << 5;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[6 * LANE + i], low) >>> 31 << 6;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[7 * LANE + i], low) >>> 31 << 7;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[8 * LANE + i], low) >>> 31 << 8;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[9 * LANE + i], low) >>> 31 << 9;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[10 * LANE + i], low) >>> 31 << 10;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[11 * LANE + i], low) >>> 31 << 11;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[12 * LANE + i], low) >>> 31 << 12;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[13 * LANE + i], low) >>> 31 << 13;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[14 * LANE + i], low) >>> 31 << 14;
        }
        for (int i = 0; i < LANE; i++) {
            f[i] |= below(chunk[15 * LANE + i], low) >>> 31 << 15;
        }
    }

    /**
     * {@code m[i]} the {@link #rank} of the largest of entries {@code l·LANE + i} of {@code chunk} over
     * the lanes l (the least rank). One loop per lane, written out and too large to be inlined, as in
     * {@link #flag}; the minimum is arithmetic, since Java 17's JIT vectorizes neither {@code Math.min}
     * nor {@code Math.max} (a float {@code Math.max} over the lanes took 2 ms for the first chunks of
     * [4,128,4096]).
     */
    private static void positionMaxima(int[] chunk, int[] m) {
        for (int i = 0; i < LANE; i++) {
            m[i] = rank(chunk[i]);
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[2 * LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[3 * LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[4 * LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[5 * LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[6 * LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[7 * LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[8 * LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[9 * LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[10 * LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[11 * LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[12 * LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[13 * LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[14 * LANE + i]));
        }
        for (int i = 0; i < LANE; i++) {
            m[i] = lower(m[i], rank(chunk[15 * LANE + i]));
        }
    }

    /**
     * An entry's bits as a signed int that falls as the entry rises: for a number below 0 (−0 included)
     * its bits + {@link #SHIFT}, in (−2³¹, −1] (−∞ is −1); a positive NaN gets a rank below that of
     * −0; anything else (+0, a positive number, a negative NaN) −2³¹. So the least rank of a few
     * entries is that of their largest when it is a number below 0, and the bits it stands for
     * (rank − SHIFT) are a NaN otherwise.
     */
    static int rank(int bits) {
        int t = bits + SHIFT;
        int negative = t >> 31;
        return (t & negative) | (~negative & Integer.MIN_VALUE);
    }

    /** The lesser of two ranks, without a branch (their difference cannot overflow: both are negative). */
    static int lower(int a, int b) {
        int d = a - b;
        return b + (d & (d >> 31));
    }

    /**
     * A bound ≤ 0 as the signed int that {@link #below} compares with: the float's bits (−0 as +0) plus
     * {@link #SHIFT}. A higher bound gives a lower int.
     */
    static int lowBits(float bound) {
        return (bound == 0 ? Integer.MIN_VALUE : Float.floatToRawIntBits(bound)) + SHIFT;
    }

    /**
     * Negative exactly when the float with bits {@code entry} is below the bound given by {@link
     * #lowBits} (a number less than it; NaN is never below). Over the shifted bits t = entry + SHIFT,
     * the floats below a bound b ≤ 0 are the t in (low, −1] — from just below b down to −∞ — and every
     * other float (greater or equal, positive, or NaN of either sign) has t ≥ 0 or t ≤ low; so the sign
     * bit of {@code t & (low − t)}, which cannot overflow there, is the test. Branch-free, so a block of
     * tests AND-ed together vectorizes.
     */
    static int below(int entry, int low) {
        int t = entry + SHIFT;
        return t & (low - t);
    }

    /** The float a {@link #key} was made from (NaN for a NaN, +0 for −0). */
    static float valueOf(long key) {
        int ordered = ~(int) (key >> 32);
        return Float.intBitsToFloat(ordered ^ ((ordered >> 31) & 0x7fffffff));
    }

    /**
     * Puts {@code (v, id)} into the descending list {@code best[0..filled]}, dropping its last entry
     * when the list is full ({@code filled = k - 1}); an equal value goes after the ones already there.
     */
    private static void insert(float[] best, int[] at, int filled, float v, int id) {
        int j = filled;
        while (j > 0 && above(v, best[j - 1])) {
            best[j] = best[j - 1];
            at[j] = at[j - 1];
            j--;
        }
        best[j] = v;
        at[j] = id;
    }

    /** {@code a} ranks above {@code b}: greater, or NaN over a number. */
    private static boolean above(float a, float b) {
        return a > b || (a != a && b == b);
    }

    /**
     * Reorders {@code a[0..n)} (distinct keys) so that {@code a[0..k)} holds its k smallest, the k-th
     * smallest at {@code a[k - 1]} (quickselect, median-of-three pivots; expected O(n)). Nothing when n < k.
     */
    static void select(long[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        int target = k - 1;
        while (lo < hi && target < n) {
            int mid = (lo + hi) >>> 1;
            long x = a[lo];
            long y = a[mid];
            long z = a[hi];
            long pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    /**
     * A key whose ascending order is the top-k order: value descending (NaN above every number, −0 equal
     * to +0), then id ascending. High 32 bits: the value's order-preserving int, inverted; low: the id.
     */
    static long key(float v, int id) {
        int bits = Float.floatToRawIntBits(v + 0.0f);
        int ordered = v != v ? Integer.MAX_VALUE : bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ordered << 32) | id;
    }
}
