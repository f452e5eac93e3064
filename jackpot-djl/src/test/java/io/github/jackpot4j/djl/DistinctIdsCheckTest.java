package io.github.jackpot4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The two tests of "ids within one top-k list are distinct" (MATH.md §1): the host loop the CPU runs
 * ({@link DjlChecks#repeatsOnHost}, pairwise for k ≤ 32, sorted copies above) and the device sort
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
                        long start = random.nextInt(1000);
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
                    assertEquals(expected, DjlChecks.repeatsOnHost(i -> host[i], host.length, k), "host, k = " + k);
                    int[] narrow = new int[ids.length];
                    for (int i = 0; i < ids.length; i++) {
                        narrow[i] = (int) ids[i];
                    }
                    assertEquals(expected, DjlChecks.repeatsOnHost(i -> narrow[i], narrow.length, k), "host int32, k = " + k);
                    try (NDArray device = manager.create(ids, new Shape(lists, k)); NDArray flag = DjlChecks.repeats(device)) {
                        assertEquals(expected, flag.getBoolean(), "device, k = " + k);
                    }
                    checked++;
                }
            }
        }
        assertEquals(69 * 6, checked);
        assertEquals(69 * 3, repeats); // every planted repeat is one; no unplanted list repeats
    }
}
