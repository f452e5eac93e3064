package io.github.jackpot4j.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The host scan of {@link DjlTopK} against libtorch's {@code topk} on the same arrays: values and ids
 * equal (no ties among the random values), in descending order, at many shapes, k from 1 to V and
 * 1 to 3 threads; −∞ entries, NaN ranked first, ties keeping the lower id.
 */
class DjlTopKTest {
    @Test
    void sameListsAsTheEnginesTopK() {
        SplittableRandom random = new SplittableRandom(0x70_4BL);
        int cases = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 120; trial++) {
                int rows = 1 + random.nextInt(7);
                int vocab = 1 + random.nextInt(trial < 60 ? 40 : 3000);
                int k = 1 + random.nextInt(Math.min(vocab, DjlTopK.MAX_HOST_K));
                float[] logits = new float[rows * vocab];
                for (int i = 0; i < logits.length; i++) {
                    // distinct values (a tie's order is not specified by torch); some -inf entries
                    logits[i] = random.nextInt(10) == 0 ? Float.NEGATIVE_INFINITY : (float) (-20 * random.nextDouble());
                }
                NDArray a = manager.create(logits, new Shape(rows, vocab));
                NDList expected = a.topK(k, -1);
                int threads = 1 + trial % 3;
                NDList got = DjlTopK.topK(a, k, null, threads);
                String where = "rows " + rows + ", V " + vocab + ", k " + k + ", threads " + threads;
                assertEquals(new Shape(rows, k), got.get(0).getShape(), where);
                assertEquals(DataType.INT64, got.get(1).getDataType(), where);
                assertArrayEquals(expected.get(0).toFloatArray(), got.get(0).toFloatArray(), where);
                // ids may differ only where the values are -inf ties
                float[] values = expected.get(0).toFloatArray();
                long[] want = expected.get(1).toType(DataType.INT64, false).toLongArray();
                long[] have = got.get(1).toLongArray();
                for (int i = 0; i < values.length; i++) {
                    if (values[i] != Float.NEGATIVE_INFINITY) {
                        assertEquals(want[i], have[i], where + ", element " + i);
                    }
                }
                cases++;
            }
        }
        assertEquals(120, cases);
    }

    /**
     * A hint changes nothing: the true top-k shuffled, random distinct ids, ids with repeats (fewer than
     * k distinct: the bound may be too high, the row is scanned again), ids out of range, int32 ids;
     * values drawn from few levels, so ties straddle the k-th place.
     */
    @Test
    void anyHintGivesTheSameLists() {
        SplittableRandom random = new SplittableRandom(0x41_7EL);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 200; trial++) {
                int rows = 1 + random.nextInt(6);
                int vocab = 2 + random.nextInt(trial % 2 == 0 ? 30 : 2000);
                int k = 1 + random.nextInt(Math.min(vocab, DjlTopK.MAX_HOST_K));
                float[] logits = new float[rows * vocab];
                for (int i = 0; i < logits.length; i++) {
                    int level = random.nextInt(trial % 3 == 0 ? 4 : 1_000_000);
                    logits[i] = random.nextInt(25) == 0 ? Float.NEGATIVE_INFINITY : -level * 0.5f;
                }
                NDArray a = manager.create(logits, new Shape(rows, vocab));
                NDList plain = DjlTopK.topK(a, k, null, 1);
                long[] hint = plain.get(1).toLongArray();
                int kind = trial % 5;
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < k; j++) {
                        int at = r * k + j;
                        if (kind == 1) {
                            hint[at] = random.nextInt(vocab); // random ids (repeats possible)
                        } else if (kind == 2 && j == k - 1 && k > 1) {
                            hint[at] = hint[r * k]; // a repeat: fewer than k distinct ids
                        } else if (kind == 3 && j == 0) {
                            hint[at] = random.nextBoolean() ? -1 : vocab; // out of range
                        }
                    }
                    for (int j = k - 1; kind == 0 && j > 0; j--) { // the true top-k, shuffled
                        int o = random.nextInt(j + 1);
                        long t = hint[r * k + j];
                        hint[r * k + j] = hint[r * k + o];
                        hint[r * k + o] = t;
                    }
                }
                NDArray hintIds = manager.create(hint, new Shape(rows, k));
                if (kind == 4) {
                    hintIds = hintIds.toType(DataType.INT32, false);
                }
                NDList hinted = DjlTopK.topK(a, k, hintIds, 1 + trial % 3);
                String where = "trial " + trial + ", kind " + kind + ", V " + vocab + ", k " + k;
                assertArrayEquals(plain.get(0).toFloatArray(), hinted.get(0).toFloatArray(), where);
                assertArrayEquals(plain.get(1).toLongArray(), hinted.get(1).toLongArray(), where);
            }
        }
    }

    /**
     * Against a full sort of each row in the documented order (value descending, NaN above every number,
     * −0 equal to +0, ties by the lower id) on rows drawn from few levels — NaN, ±0, −∞, a few negative
     * numbers and a positive one (a bound above 0 sends a row to the plain scan) — so ties straddle the
     * k-th place and k NaNs can fill a list; V from 1 (a hinted row is one chunk filled up with −∞, which
     * a bound of −∞ lets through); with no hint (the bound from the first chunk's lanes, or the plain
     * scan when that bound is NaN or above 0) and with random ids as the hint (the candidates at least
     * their least value).
     */
    @Test
    void sameListsAsAFullSortOfEachRow() {
        SplittableRandom random = new SplittableRandom(0x50_27L);
        float[] levels = {Float.NaN, 0f, -0f, Float.NEGATIVE_INFINITY, -1f, -2.5f, -7f, 2f}; // 2: a bound above 0
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 150; trial++) {
                int rows = 1 + random.nextInt(4);
                int vocab = 1 + random.nextInt(trial % 2 == 0 ? 50 : 5000);
                int k = 1 + random.nextInt(Math.min(vocab, DjlTopK.MAX_HOST_K));
                int used = 1 + random.nextInt(levels.length);
                float[] logits = new float[rows * vocab];
                for (int i = 0; i < logits.length; i++) {
                    logits[i] = random.nextInt(3) == 0 ? (float) -random.nextDouble() : levels[random.nextInt(used)];
                }
                NDArray hint = null;
                if (trial % 3 != 0) { // random ids as the hint (repeats, NaN values): the candidate path
                    long[] ids = new long[rows * k];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = random.nextInt(vocab);
                    }
                    hint = manager.create(ids, new Shape(rows, k));
                }
                NDList top = DjlTopK.topK(manager.create(logits, new Shape(rows, vocab)), k, hint, 1 + trial % 2);
                assertSortedPrefix(logits, rows, vocab, k, top, "trial " + trial);
            }
        }
    }

    /**
     * Long rows (V from one chunk of the hinted scan, 4,096 entries, to several, where its bound rises)
     * against a full sort of each row: Gaussian log-probs with a few NaN
     * of both signs, ±0, −∞, subnormals and positive entries, and as the hint the top-k ids of a noisy
     * copy of the row (as the rollout model's), the true top-k, random ids, or none.
     */
    @Test
    void longRowsMatchAFullSort() {
        SplittableRandom random = new SplittableRandom(0x10_96L);
        float negativeNan = Float.intBitsToFloat(0xffc0_0001);
        float[] specials = {Float.NaN, negativeNan, 0f, -0f, Float.NEGATIVE_INFINITY, -Float.MIN_VALUE, 1.5f, -Float.MAX_VALUE};
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 32; trial++) {
                int rows = 1 + random.nextInt(3);
                int vocab = DjlTopK.CHUNK - 1 + random.nextInt(trial < 12 ? 3 : 60_000);
                int k = 1 + random.nextInt(DjlTopK.MAX_HOST_K);
                float[] logits = new float[rows * vocab];
                float[] noisy = new float[logits.length];
                int special = trial % 4; // 0: none; 1: rare; 2: a few dozen per row; 3: many
                for (int i = 0; i < logits.length; i++) {
                    boolean odd = special > 0 && random.nextInt(special == 1 ? 20_000 : special == 2 ? 1000 : 10) == 0;
                    logits[i] = odd ? specials[random.nextInt(specials.length)] : (float) (2 * random.nextGaussian() - 12);
                    noisy[i] = logits[i] != logits[i] ? -12f : logits[i] + (float) (0.5 * random.nextGaussian());
                }
                long[] ids = null; // kind 3: no hint (the bound from the first chunk's lanes)
                int kind = trial % 4;
                if (kind == 0) {
                    ids = manager.create(noisy, new Shape(rows, vocab)).topK(k, -1).get(1).toType(DataType.INT64, false).toLongArray();
                } else if (kind == 1) {
                    ids = DjlTopK.topK(manager.create(logits, new Shape(rows, vocab)), k, null, 1).get(1).toLongArray();
                } else if (kind == 2) {
                    ids = random.longs(rows * k, 0, vocab).toArray();
                }
                NDList top = DjlTopK.topK(manager.create(logits, new Shape(rows, vocab)), k,
                        ids == null ? null : manager.create(ids, new Shape(rows, k)), 1 + trial % 2);
                assertSortedPrefix(logits, rows, vocab, k, top, "trial " + trial + ", hint kind " + kind);
            }
        }
    }

    /** The lists of {@code top} are the first k entries of each row sorted as documented (bits and ids). */
    private static void assertSortedPrefix(float[] logits, int rows, int vocab, int k, NDList top, String where) {
        long[] ids = top.get(1).toLongArray();
        float[] values = top.get(0).toFloatArray();
        for (int r = 0; r < rows; r++) {
            Integer[] order = new Integer[vocab];
            for (int i = 0; i < vocab; i++) {
                order[i] = i;
            }
            int base = r * vocab;
            java.util.Arrays.sort(order, (x, y) -> {
                float a = logits[base + x];
                float b = logits[base + y];
                int byValue = a != a ? (b != b ? 0 : -1) : b != b ? 1 : a == b ? 0 : a > b ? -1 : 1;
                return byValue != 0 ? byValue : Integer.compare(x, y);
            });
            for (int j = 0; j < k; j++) {
                String at = where + ", row " + r + ", V " + vocab + ", k " + k + ", place " + j;
                assertEquals((long) order[j], ids[r * k + j], at);
                assertEquals(Float.floatToRawIntBits(logits[base + order[j]]), Float.floatToRawIntBits(values[r * k + j]), at);
            }
        }
    }

    /**
     * The hinted scan's branch-free test on raw bits says "below the bound" exactly when the float
     * compare does, for bounds ≤ 0 (±0, −∞, subnormals, −MAX_VALUE, random) and entries of every kind
     * (NaN of both signs and any payload, ±∞, ±0, subnormals, random bits).
     */
    @Test
    void bitTestAgreesWithTheFloatCompare() {
        SplittableRandom random = new SplittableRandom(0xB175L);
        float[] edges = {0f, -0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN,
            Float.intBitsToFloat(0xffc0_0000), Float.intBitsToFloat(0xff80_0001), Float.intBitsToFloat(0x7f80_0001),
            Float.intBitsToFloat(-1), Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, -1f, 1f};
        int checked = 0;
        for (int b = 0; b < 400; b++) {
            float bound = b < edges.length ? edges[b] : b % 2 == 0 ? -Math.abs(Float.intBitsToFloat(random.nextInt()))
                    : (float) (-30 * random.nextDouble());
            if (!(bound <= 0)) {
                continue; // the test covers bounds <= 0 only; the scan takes the float path otherwise
            }
            int low = DjlTopK.lowBits(bound);
            for (int e = 0; e < 3000; e++) {
                float x = e < edges.length ? edges[e] : e % 3 == 0 ? Float.intBitsToFloat(random.nextInt())
                        : e % 3 == 1 ? Math.nextAfter(bound, random.nextBoolean() ? 1 : -1) : bound;
                boolean below = DjlTopK.below(Float.floatToRawIntBits(x), low) < 0;
                assertEquals(x < bound, below, "entry " + x + " (bits " + Integer.toHexString(Float.floatToRawIntBits(x))
                        + ") against bound " + bound);
                checked++;
            }
        }
        assertTrue(checked > 1_000_000, "checked " + checked);
    }

    /**
     * The ranks from which the scan without a hint takes its bound: among numbers below 0 (−0 included)
     * a larger entry has a smaller rank, every other entry (+0, positive, NaN of either sign, +∞) ranks
     * below −0 and stands for a NaN, the rank of a number gives its bits back, and {@code lower} is the
     * minimum of two ranks — on edge and random bits.
     */
    @Test
    void ranksFallAsEntriesRise() {
        SplittableRandom random = new SplittableRandom(0x4A4EL);
        int[] edges = {0, 0x8000_0000, 0xff80_0000, 0x7f80_0000, 0x7fc0_0000, 0xffc0_0000, 0xff80_0001, 0x7f80_0001,
            0xffff_ffff, 0x7fff_ffff, 1, 0x8000_0001, 0x7f7f_ffff, 0xff7f_ffff, Float.floatToRawIntBits(-1f)};
        int rankOfMinusZero = DjlTopK.rank(0x8000_0000);
        for (int e = 0; e < 200_000; e++) {
            int a = e < edges.length ? edges[e] : random.nextInt();
            int b = e < edges.length ? edges[(e + 3) % edges.length] : random.nextBoolean() ? random.nextInt() : edges[random.nextInt(edges.length)];
            float x = Float.intBitsToFloat(a);
            float y = Float.intBitsToFloat(b);
            String at = Integer.toHexString(a) + " against " + Integer.toHexString(b);
            boolean xNumberBelow0 = x < 0 || a == 0x8000_0000;
            boolean yNumberBelow0 = y < 0 || b == 0x8000_0000;
            int ra = DjlTopK.rank(a);
            int rb = DjlTopK.rank(b);
            if (xNumberBelow0) {
                assertEquals(a, Float.floatToRawIntBits(Float.intBitsToFloat(ra - DjlTopK.SHIFT)), at);
            } else {
                assertTrue(ra < rankOfMinusZero, at);
                assertTrue(Float.isNaN(Float.intBitsToFloat(ra - DjlTopK.SHIFT)), at);
            }
            if (xNumberBelow0 && yNumberBelow0 && x != y) {
                assertEquals(x > y, ra < rb, at);
            }
            assertEquals(Math.min(ra, rb), DjlTopK.lower(ra, rb), at);
        }
    }

    @Test
    void nanRanksFirstAndTiesKeepTheLowerId() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float nan = Float.NaN;
            // the NaN arrives after the list has filled (and one before it, while it fills)
            NDArray a = manager.create(new float[] {-1f, -3f, -0.5f, -0.5f, -2f, -4f, nan, -0.5f,
                nan, -1f, -3f, -0.5f, -0.5f, -2f, -4f, -0.5f}, new Shape(2, 8));
            NDList top = DjlTopK.topK(a, 4, null, 1);
            float[] values = top.get(0).toFloatArray();
            assertTrue(Float.isNaN(values[0]) && Float.isNaN(values[4]), "NaN first, as torch ranks it");
            assertArrayEquals(new float[] {-0.5f, -0.5f, -0.5f}, new float[] {values[1], values[2], values[3]});
            assertArrayEquals(new long[] {6, 2, 3, 7, 0, 3, 4, 7}, top.get(1).toLongArray());
            assertTrue(Float.isNaN(a.topK(4, -1).get(0).toFloatArray()[0]), "the engine ranks NaN first too");
        }
    }

    @Test
    void rowsSplitOverThreadsCoverEveryRow() {
        try (NDManager manager = NDManager.newBaseManager()) {
            int rows = 1001;
            int vocab = 300;
            float[] logits = new float[rows * vocab];
            for (int r = 0; r < rows; r++) {
                for (int v = 0; v < vocab; v++) {
                    logits[r * vocab + v] = -((v * 7 + r) % vocab) - 0.25f * r;
                }
            }
            NDArray a = manager.create(logits, new Shape(rows, vocab));
            float[] want = a.topK(20, -1).get(0).toFloatArray();
            for (int threads = 1; threads <= 4; threads++) {
                assertArrayEquals(want, DjlTopK.topK(a, 20, null, threads).get(0).toFloatArray(), "threads = " + threads);
            }
        }
    }
}
