package io.github.jackpot4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The two tests of "ids within one top-k list are distinct" (MATH.md §1): the host loop the CPU runs
 * ({@link DjlChecks#repeatsOnHost}: a bit set over ids, or beyond 2^22 pairwise for k ≤ 32 and sorted
 * copies above) and the device sort
 * other devices run ({@link DjlChecks#repeats}), against a plain reference on random lists with and
 * without one planted repeat, at every k from 2 to 70 and at every position of the repeat.
 */
class DistinctIdsCheckTest {
    private static boolean reference(long[] ids, int k) {
        for (int base = 0; base < ids.length; base += k) {
            for (int i = 0; i < k; i++) {
                for (int j = i + 1; j < k; j++) {
                    if (ids[base + i] == ids[base + j]) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Lists split over threads: a repeat in the last list of the last range, and a non-contiguous array read in place. */
    @Test
    void rangesCoverEveryListAndStridedArraysAreReadInOrder() {
        int k = 20;
        int lists = 10_001; // not a multiple of the ranges
        long[] ids = new long[lists * k];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % k * 7L + i / k;
        }
        for (int threads = 1; threads <= 4; threads++) {
            assertEquals(false, DjlChecks.repeatsOnHost(LongBuffer.wrap(ids), k, threads), "threads = " + threads);
        }
        long[] planted = ids.clone();
        planted[planted.length - 1] = planted[planted.length - k];
        for (int threads = 1; threads <= 4; threads++) {
            assertEquals(true, DjlChecks.repeatsOnHost(LongBuffer.wrap(planted), k, threads), "threads = " + threads);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            // [k, lists] transposed to [lists, k]: every row is 0..k-1 (distinct) in the logical order, while
            // k consecutive elements of the memory hold one id k times
            long[] columns = new long[k * lists];
            for (int i = 0; i < columns.length; i++) {
                columns[i] = i / lists;
            }
            NDArray strided = manager.create(columns, new Shape(k, lists)).transpose();
            assertEquals(false, repeatsInPlace(strided, k, 2));
            assertEquals(true, repeatsInPlace(strided.duplicate().concat(strided.get("0:1, 0:1").broadcast(
                    new Shape(1, k)), 0), k, 2), "a last row of one id");
        }
    }

    @Test
    void hostAndDeviceTestsAgreeWithTheReference() {
        SplittableRandom random = new SplittableRandom(0x5EED_D15L);
        int checked = 0;
        int repeats = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int k = 2; k <= 70; k++) {
                for (int trial = 0; trial < 6; trial++) {
                    int lists = 1 + random.nextInt(5);
                    long[] ids = new long[lists * k];
                    for (int l = 0; l < lists; l++) { // distinct ids per list: a shuffled range with gaps
                        // ids within the bit set, or (odd k) beyond it: the pairwise / sorted fallback
                        long start = random.nextInt(1000) + (k % 2 == 1 ? 5_000_000_000L : 0L);
                        for (int j = 0; j < k; j++) {
                            ids[l * k + j] = start + 3L * j;
                        }
                        for (int j = k - 1; j > 0; j--) {
                            int o = random.nextInt(j + 1);
                            long t = ids[l * k + j];
                            ids[l * k + j] = ids[l * k + o];
                            ids[l * k + o] = t;
                        }
                    }
                    if (trial % 2 == 1) { // plant one repeat: some element takes another's id in the same list
                        int l = random.nextInt(lists);
                        int a = random.nextInt(k);
                        int b = (a + 1 + random.nextInt(k - 1)) % k;
                        ids[l * k + a] = ids[l * k + b];
                    }
                    boolean expected = reference(ids, k);
                    repeats += expected ? 1 : 0;
                    long[] host = ids;
                    int threads = 1 + trial % 3; // 1, 2 or 3 ranges of lists (more ranges than lists too)
                    assertEquals(expected, DjlChecks.repeatsOnHost(LongBuffer.wrap(host), k, threads),
                            "host, k = " + k + ", threads = " + threads);
                    int[] narrow = new int[ids.length];
                    for (int i = 0; i < ids.length; i++) {
                        narrow[i] = (int) ids[i];
                    }
                    try (NDArray device = manager.create(ids, new Shape(lists, k)); NDArray flag = DjlChecks.repeats(device);
                         NDArray device32 = manager.create(narrow, new Shape(lists, k))) {
                        assertEquals(expected, flag.getBoolean(), "device, k = " + k);
                        assertEquals(expected, repeatsInPlace(device, k, threads), "in place, k = " + k);
                        assertEquals(expected, repeatsInPlace(device32, k, threads), "in place int32, k = " + k);
                        assertEquals(expected, DjlChecks.repeatsOnHost(IntBuffer.wrap(narrow), k, threads), "int32, k = " + k);
                    }
                    checked++;
                }
            }
        }
        assertEquals(69 * 6, checked);
        assertEquals(69 * 3, repeats); // every planted repeat is one; no unplanted list repeats
    }

    /** {@code DjlChecks.repeatsOnHost} over a CPU array of int32 or int64 ids, read in place, as the checks read it. */
    private static boolean repeatsInPlace(NDArray ids, int k, int threads) {
        try {
            return DjlChecks.repeatsOnHost(DjlHost.ids(ids), k, threads);
        } finally {
            java.lang.ref.Reference.reachabilityFence(ids);
        }
    }
}
