package io.github.jackpot4j.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The union's membership test of MATH.md §4 (which target ids are not in the rollout list) by the
 * engine's ops, against a plain reference, with int32 and int64 ids, overlaps from none to full.
 */
class UnionMembershipTest {
    @Test
    void deviceOpsMatchTheReference() {
        SplittableRandom random = new SplittableRandom(0x0E1L);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 60; trial++) {
                int b = 1 + random.nextInt(4);
                int t = 1 + random.nextInt(30);
                int k = 1 + random.nextInt(24);
                int range = k + random.nextInt(3 * k); // small id ranges: overlaps are common
                long[] rollout = distinctLists(random, b * t, k, range);
                long[] target = distinctLists(random, b * t, k, range);
                float[] expected = new float[target.length];
                for (int token = 0; token < b * t; token++) {
                    for (int j = 0; j < k; j++) {
                        boolean in = false;
                        for (int i = 0; i < k; i++) {
                            in |= rollout[token * k + i] == target[token * k + j];
                        }
                        expected[token * k + j] = in ? 0f : 1f;
                    }
                }
                Shape shape = new Shape(b, t, k);
                NDArray r = manager.create(rollout, shape);
                NDArray g = manager.create(target, shape);
                if (trial % 2 == 1) {
                    r = r.toType(DataType.INT32, false);
                    g = g.toType(DataType.INT32, false);
                }
                String where = "trial " + trial + ", [" + b + "," + t + "," + k + "], " + r.getDataType();
                NDArray only = DjlUnionNormalizer.onlyTarget(r, g);
                assertEquals(shape, only.getShape(), where);
                assertArrayEquals(expected, only.toFloatArray(), where);
            }
        }
    }

    private static long[] distinctLists(SplittableRandom random, int lists, int k, int range) {
        long[] ids = new long[lists * k];
        long[] pool = new long[range];
        for (int l = 0; l < lists; l++) {
            for (int i = 0; i < range; i++) {
                pool[i] = i * 1_000_003L % 5_000_011L; // spread ids, some above 2^22
            }
            for (int j = 0; j < k; j++) { // a partial shuffle: k distinct ids of the pool
                int o = j + random.nextInt(range - j);
                long tmp = pool[j];
                pool[j] = pool[o];
                pool[o] = tmp;
                ids[l * k + j] = pool[j];
            }
        }
        return ids;
    }
}
