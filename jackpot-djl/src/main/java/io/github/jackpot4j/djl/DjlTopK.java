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
    /** Above this k the engine's top-k is used (without a hint, each entry that passes is inserted in a sorted list of k). */
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
     *             (fewer candidates). Any hint gives the same lists: a row whose
     *             hint is not k distinct ids in range (then fewer than k entries reach the bound, or an
     *             id is skipped) is scanned again without it.
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
     * From this vocabulary on, the hinted scan reads a row in chunks of {@link #CHUNK} entries with a
     * rising bound and tests blocks of {@link #BLOCK} entries at once first; a shorter row is copied
     * whole, in {@link #LANES} lanes, and tested with a bound that does not rise (its ~60 candidates of
     * 4,096 would flag nearly every block).
     */
    static final int BLOCKED_VOCAB = 16384;
    /**
     * Lanes of a short row in the hinted scan: lane l holds its entries l·s … l·s + s − 1 (s = V / 16,
     * the rest of the row a tail), and bit l of {@code flags[i]} says whether entry l·s + i is below the
     * bound, so the 16 tests of a flag word are one vectorized loop over i per lane ({@link #flag}
     * writes the 16 loops out).
     */
    private static final int LANES = 16;
    /** A flag word whose {@link #LANES} entries are all below the bound. */
    private static final int ALL_BELOW = (1 << LANES) - 1;
    /** Entries copied from a long row at a time by the hinted scan (8 KiB: they stay in the L1 cache while read). */
    private static final int CHUNK = 2048;
    /** Entries of one block test: an AND of 256 ints, which the JIT vectorizes. */
    private static final int BLOCK = 256;
    /** Added to an entry's bits so that the entries below a bound ≤ 0 are one signed range (see {@link #below}). */
    private static final int SHIFT = -Float.floatToRawIntBits(Float.NEGATIVE_INFINITY) - 1;

    /**
     * One thread's scan: rows of {@code vocab} floats, each into its k largest. With a hint, the least
     * value at its ids is a lower bound of the row's k-th largest, and the entries at least the bound
     * (NaN included) are the candidates, whose best k, by quickselect and a sort of k keys, are the
     * list. A short row is copied whole in {@link #LANES} lanes and its entries tested on their bits
     * ({@link #below}), the 16 lanes' tests of one position packed in a flag word, so that the tests
     * vectorize and only the flag words with a candidate (a few dozen candidates of 4096 with the
     * rollout's top-k) are read again. A long row (from {@link #BLOCKED_VOCAB} entries, a
     * Qwen-size vocabulary) is read in chunks, with a rising bound: whenever 2k candidates are
     * collected, the best k are kept and the k-th of them becomes the bound, so ~k candidates remain;
     * and since candidates are then sparse, a block of entries is tested at once on their bits (one
     * vectorized AND, {@link #below}) and only a block with a candidate is read entry by entry. Without
     * a usable hint (or a long row's bound above 0), one compare per entry against the k-th best so
     * far, with a sorted insertion for each entry that passes.
     */
    private static final class Scan {
        private final FloatBuffer in;
        private final IntBuffer bits;
        private final int vocab;
        private final int k;
        private final Buffer hint;
        private final int[] chunk;
        private final int[] candidates;
        private final int[][] lanes;
        private final int[] flags;
        private final int[] flagged;
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
            boolean chunked = vocab >= BLOCKED_VOCAB;
            chunk = hint != null && chunked ? new int[CHUNK] : null;
            candidates = hint != null && chunked ? new int[CHUNK] : null; // positions in a chunk
            int stride = vocab / LANES;
            lanes = hint != null && !chunked ? new int[LANES + 1][] : null;
            for (int l = 0; lanes != null && l <= LANES; l++) {
                lanes[l] = new int[l < LANES ? stride : vocab - LANES * stride]; // the last: the tail
            }
            flags = lanes != null ? new int[stride] : null;
            flagged = lanes != null ? new int[stride] : null;
            keys = new long[hint != null ? 4 * k : 0];
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
                boolean done = hint != null && (vocab < BLOCKED_VOCAB ? fromLanes(base) : fromChunks(base, bound(base, false)));
                if (!done) { // no hint, or not k distinct ids of the row
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
         * The least value at the row's hinted ids, read from its {@link #lanes} (a short row copied) or
         * else from the array; NaN (no bound) with an id out of range or a NaN.
         */
        private float bound(int base, boolean copied) {
            DjlHost.copyIds(hint, base / vocab * k, hinted, narrow, k);
            float least = Float.POSITIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                long id = hinted[j];
                if (id < 0 || id >= vocab) {
                    return Float.NaN;
                }
                float value = copied ? Float.intBitsToFloat(copiedBits((int) id)) : in.get(base + (int) id);
                least = Math.min(least, value); // NaN when the value is NaN
            }
            return least;
        }

        /**
         * A short row's top-k ids into {@code at}, from its entries at least the least value at the hinted
         * ids (NaN included): the row copied into its {@link #lanes}, tested on their bits into one flag
         * word per position, and the candidates read from the words with one; false when fewer than k
         * entries reach the bound, or it is NaN or above 0 (the plain scan then).
         */
        private boolean fromLanes(int base) {
            int stride = vocab / LANES;
            int[][] lane = lanes;
            for (int l = 0; l <= LANES; l++) { // bulk copies: the tests then read Java arrays
                bits.get(base + l * stride, lane[l], 0, lane[l].length);
            }
            float bound = bound(base, true);
            if (!(bound <= 0)) {
                return false;
            }
            int low = lowBits(bound);
            int[] f = flags;
            flag(lane, f, stride, low);
            int m = 0;
            for (int i = 0; i < stride; i++) { // the words with a candidate, without a branch
                flagged[m] = i;
                m += f[i] != ALL_BELOW ? 1 : 0;
            }
            int n = 0;
            for (int q = 0; q < m; q++) {
                int i = flagged[q];
                for (int pass = ~f[i] & ALL_BELOW; pass != 0; pass &= pass - 1) {
                    int l = Integer.numberOfTrailingZeros(pass);
                    n = candidate(n, lane[l][i], l * stride + i);
                }
            }
            int[] tail = lane[LANES];
            for (int i = 0; i < tail.length; i++) {
                if (below(tail[i], low) >= 0) {
                    n = candidate(n, tail[i], LANES * stride + i);
                }
            }
            return best(n);
        }

        /** The bits of a short row's entry {@code id}, from its {@link #lanes}. */
        private int copiedBits(int id) {
            int stride = vocab / LANES;
            int l = stride == 0 ? LANES : Math.min(id / stride, LANES);
            return lanes[l][id - l * stride];
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
         * A long row's top-k ids into {@code at}, read in chunks, from its entries at least {@code bound}
         * (NaN included), the bound rising as candidates come in; false when fewer than k entries reach
         * it, or the bound is NaN or above 0 (the plain scan then).
         */
        private boolean fromChunks(int base, float bound) {
            if (!(bound <= 0)) {
                return false;
            }
            int low = lowBits(bound);
            int n = 0;
            for (int c = 0; c < vocab; c += CHUNK) {
                int len = Math.min(CHUNK, vocab - c);
                bits.get(base + c, chunk, 0, len); // one bulk copy: the tests then read a Java array
                int m = collect(len, low);
                if (keys.length < n + m) {
                    keys = Arrays.copyOf(keys, Math.max(n + m, 2 * keys.length));
                }
                for (int j = 0; j < m; j++) {
                    int position = candidates[j];
                    keys[n++] = key(Float.intBitsToFloat(chunk[position]), c + position);
                }
                if (n >= 2 * k) { // keep the best k: the least of them is a higher bound
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

        /** The best k of the n candidate keys, sorted, into {@code at}; false when n < k. */
        private boolean best(int n) {
            if (n < k) {
                return false;
            }
            select(keys, n, k);
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

        /**
         * The positions in {@code chunk[0..len)} of the entries not below the bound {@code low}
         * ({@link #lowBits}) into {@code candidates}; their count.
         */
        private int collect(int len, int low) {
            int[] entries = chunk;
            int n = 0;
            int i = 0;
            for (int end = len - BLOCK; i <= end; i += BLOCK) {
                int all = -1; // sign bit set while every entry of the block is below the bound
                for (int j = i; j < i + BLOCK; j++) {
                    all &= below(entries[j], low);
                }
                if (all < 0) {
                    continue;
                }
                for (int j = i; j < i + BLOCK; j++) {
                    if (below(entries[j], low) >= 0) {
                        candidates[n++] = j;
                    }
                }
            }
            for (; i < len; i++) {
                if (below(entries[i], low) >= 0) {
                    candidates[n++] = i;
                }
            }
            return n;
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
     * Bit l of {@code f[i]} set when entry i of lane l ({@code lanes[l][i]}, l &lt; {@link #LANES}) is
     * below the bound {@code low} ({@link #lowBits}), for i &lt; n. One loop per lane, written out: each
     * is vectorized by the JIT. (Written as a loop over lanes, or inlined into a larger method — this one
     * is too large to be inlined — the JIT of Java 17 vectorized the lane loops in only about half of the
     * runs, and the scan of [4,128,4096] then took 2.5 ms instead of 1.6.)
     */
    private static void flag(int[][] lanes, int[] f, int n, int low) {
        int[] l0 = lanes[0];
        for (int i = 0; i < n; i++) {
            f[i] = below(l0[i], low) >>> 31;
        }
        int[] l1 = lanes[1];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l1[i], low) >>> 31 << 1;
        }
        int[] l2 = lanes[2];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l2[i], low) >>> 31 << 2;
        }
        int[] l3 = lanes[3];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l3[i], low) >>> 31 << 3;
        }
        int[] l4 = lanes[4];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l4[i], low) >>> 31 << 4;
        }
        int[] l5 = lanes[5];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l5[i], low) >>> 31 << 5;
        }
        int[] l6 = lanes[6];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l6[i], low) >>> 31 << 6;
        }
        int[] l7 = lanes[7];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l7[i], low) >>> 31 << 7;
        }
        int[] l8 = lanes[8];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l8[i], low) >>> 31 << 8;
        }
        int[] l9 = lanes[9];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l9[i], low) >>> 31 << 9;
        }
        int[] l10 = lanes[10];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l10[i], low) >>> 31 << 10;
        }
        int[] l11 = lanes[11];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l11[i], low) >>> 31 << 11;
        }
        int[] l12 = lanes[12];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l12[i], low) >>> 31 << 12;
        }
        int[] l13 = lanes[13];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l13[i], low) >>> 31 << 13;
        }
        int[] l14 = lanes[14];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l14[i], low) >>> 31 << 14;
        }
        int[] l15 = lanes[15];
        for (int i = 0; i < n; i++) {
            f[i] |= below(l15[i], low) >>> 31 << 15;
        }
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
