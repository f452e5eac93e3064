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

/**
 * The k largest log-probs of each row over the vocabulary (the target's and the rollout model's top-k
 * lists of MATH.md §1, §4), as {@code NDArray.topK(k, -1)} gives them: values in descending order with
 * NaN ranked above every number, and their int64 ids. On the CPU a float32 array is read in place and
 * scanned in Java ({@link DjlHost}) — one compare per element against the k-th best so far — which is
 * several times faster than libtorch's per-row partial sort of a vocabulary. Other devices, dtypes and long lists use the engine's {@code topK}. Ties
 * keep the lower id first; which of several equal log-probs at the k-th place is kept is not part of
 * the math (either choice is a top-k list).
 */
final class DjlTopK {
    /** Above this k the engine's top-k is used (the scan's sorted insertion costs O(k) per accepted value). */
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
     *             while its list fills (fewer insertions). Any hint gives the same lists: a row whose
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

    /** One thread's scan: rows of {@code vocab} floats, each into a sorted list of its k largest. */
    private static final class Scan {
        private final FloatBuffer in;
        private final int vocab;
        private final int k;
        private final Buffer hint;
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
                if (!scan(bound(r))) {
                    scan(Float.NEGATIVE_INFINITY); // the hint was not k distinct ids of the row
                }
                values.put(r * k, best);
                for (int j = 0; j < k; j++) {
                    rowIds[j] = at[j];
                }
                ids.put(r * k, rowIds);
            }
        }

        /** The least value at the row's hinted ids; −∞ (no bound) without a hint, with an id out of range or a NaN. */
        private float bound(int r) {
            if (hint == null) {
                return Float.NEGATIVE_INFINITY;
            }
            DjlHost.copyIds(hint, r * k, hinted, narrow, k);
            float least = Float.POSITIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                long id = hinted[j];
                if (id < 0 || id >= vocab) {
                    return Float.NEGATIVE_INFINITY;
                }
                float v = row[(int) id];
                if (v != v) {
                    return Float.NEGATIVE_INFINITY;
                }
                least = Math.min(least, v);
            }
            return least;
        }

        /**
         * The row's k largest into {@code best}/{@code at}, skipping entries below {@code bound} while
         * the list fills; false when fewer than k entries reached the bound (the list is then not full).
         */
        private boolean scan(float bound) {
            int filled = 0;
            int i = 0;
            for (; i < vocab && filled < k; i++) {
                float v = row[i];
                if (!(v < bound)) { // at least the bound, or NaN
                    insert(best, at, filled++, v, i);
                }
            }
            if (filled < k) {
                return false;
            }
            float kth = best[k - 1];
            for (; i < vocab; i++) {
                float v = row[i];
                if (!(v <= kth)) { // rare once the list is full: greater, NaN, or a NaN k-th best
                    if (v > kth || (v != v && kth == kth)) { // NaN ranks above every number, as in torch
                        insert(best, at, k - 1, v, i);
                        kth = best[k - 1];
                    }
                }
            }
            return true;
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
}
