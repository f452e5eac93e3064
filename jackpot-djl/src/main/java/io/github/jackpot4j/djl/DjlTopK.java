package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.lang.ref.Reference;
import java.nio.Buffer;
import java.nio.FloatBuffer;
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
            FloatBuffer in = DjlHost.floats(logProbs);
            Buffer hintIds = hinted ? DjlHost.ids(hint) : null;
            FloatBuffer valuesOut = DjlHost.floats(values);
            LongBuffer idsOut = DjlHost.longs(ids);
            DjlHost.forRows(rows, threads, (from, to) -> new Scan(in, (int) vocab, k, hintIds).rows(from, to, valuesOut, idsOut));
        } finally {
            Reference.reachabilityFence(logProbs);
            Reference.reachabilityFence(hint);
            Reference.reachabilityFence(values);
            Reference.reachabilityFence(ids);
        }
        return new NDList(values, ids);
    }

    /**
     * One thread's scan: rows of {@code vocab} floats, each into its k largest. With a hint, the least
     * value at its ids is a lower bound of the row's k-th largest: one compare per entry collects the
     * ids at least that bound (NaN included; a few dozen of 4096 with the rollout's top-k), and the best
     * k of those, by quickselect and a sort of k keys, are the list. Without a usable hint, one compare
     * per entry against the k-th best so far, with a sorted insertion for each entry that passes.
     */
    private static final class Scan {
        private final FloatBuffer in;
        private final int vocab;
        private final int k;
        private final Buffer hint;
        private final int[] candidates;
        private long[] keys;
        private final float[] best;
        private final int[] at;
        private final long[] hinted;
        private final int[] narrow;
        private final float[] row;
        private final long[] rowIds;

        Scan(FloatBuffer in, int vocab, int k, Buffer hint) {
            this.in = in;
            this.vocab = vocab;
            this.k = k;
            this.hint = hint;
            candidates = hint != null ? new int[vocab] : null;
            keys = new long[hint != null ? 4 * k : 0];
            best = new float[k];
            at = new int[k];
            hinted = new long[k];
            narrow = new int[k];
            row = new float[vocab];
            rowIds = new long[k];
        }

        /** Rows [from, to): their lists written at the same rows of {@code values} and {@code ids}. */
        void rows(int from, int to, FloatBuffer values, LongBuffer ids) {
            for (int r = from; r < to; r++) {
                in.get(r * vocab, row); // one bulk copy: the scan then reads a Java array (faster than buffer reads)
                if (!fromCandidates(bound(r))) {
                    scan(); // no hint, or not k distinct ids of the row
                }
                for (int j = 0; j < k; j++) {
                    rowIds[j] = at[j];
                    best[j] = row[at[j]];
                }
                values.put(r * k, best);
                ids.put(r * k, rowIds);
            }
        }

        /** The least value at the row's hinted ids; NaN (no bound) without a hint, with an id out of range or a NaN. */
        private float bound(int r) {
            if (hint == null) {
                return Float.NaN;
            }
            DjlHost.copyIds(hint, r * k, hinted, narrow, k);
            float least = Float.POSITIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                long id = hinted[j];
                if (id < 0 || id >= vocab) {
                    return Float.NaN;
                }
                least = Math.min(least, row[(int) id]); // NaN when the value is NaN
            }
            return least;
        }

        /**
         * The row's top-k ids into {@code at} from the entries at least {@code bound} (NaN included);
         * false when fewer than k entries reach it (or the bound is NaN): the bound was too high.
         */
        private boolean fromCandidates(float bound) {
            if (bound != bound) {
                return false;
            }
            int n = 0;
            for (int i = 0; i < vocab; i++) {
                if (!(row[i] < bound)) {
                    candidates[n++] = i;
                }
            }
            if (n < k) {
                return false;
            }
            if (keys.length < n) {
                keys = new long[Math.max(n, 2 * keys.length)];
            }
            for (int j = 0; j < n; j++) {
                keys[j] = key(row[candidates[j]], candidates[j]);
            }
            select(keys, n, k);
            Arrays.sort(keys, 0, k);
            for (int j = 0; j < k; j++) {
                at[j] = (int) keys[j];
            }
            return true;
        }

        /** The row's k largest into {@code best}/{@code at} by one pass with a sorted insertion per entry that passes. */
        private void scan() {
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
