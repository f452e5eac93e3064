package io.github.jackpot4j.core;

// A frozen copy of the main-source class as of commit 00c10f0 (before the speed work of issue 12),
// kept as the reference KernelEquivalenceTest compares the optimized kernel with. Do not optimize it.
/**
 * An open-addressing map from token id to a small int (a position in a top-k list), cleared in O(1)
 * by bumping a generation stamp. One instance serves every token a worker visits, so the union of
 * two top-k lists costs O(k) per token with no allocation (MATH.md §4).
 */
final class ReferenceSmallIdSet {
    private final int[] keys;
    private final int[] values;
    private final int[] stamps;
    private final int mask;
    private int stamp = 1;

    ReferenceSmallIdSet(int maxEntries) {
        int capacity = Integer.highestOneBit(Math.max(4, maxEntries) * 4 - 1) << 1;
        keys = new int[capacity];
        values = new int[capacity];
        stamps = new int[capacity];
        mask = capacity - 1;
    }

    void clear() {
        if (++stamp == Integer.MAX_VALUE) {
            java.util.Arrays.fill(stamps, 0);
            stamp = 1;
        }
    }

    private int slot(int id) {
        int h = id * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }

    /** Inserts id → value unless present; returns the previous value, or -1 when the id is new. */
    int putIfAbsent(int id, int value) {
        int s = slot(id);
        while (stamps[s] == stamp) {
            if (keys[s] == id) {
                return values[s];
            }
            s = (s + 1) & mask;
        }
        stamps[s] = stamp;
        keys[s] = id;
        values[s] = value;
        return -1;
    }

    /** The value stored for id, or -1. */
    int get(int id) {
        int s = slot(id);
        while (stamps[s] == stamp) {
            if (keys[s] == id) {
                return values[s];
            }
            s = (s + 1) & mask;
        }
        return -1;
    }
}
