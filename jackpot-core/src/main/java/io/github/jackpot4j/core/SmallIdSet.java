package io.github.jackpot4j.core;

/**
 * An open-addressing map from token id to a small int (a position in a top-k list), cleared in O(1)
 * by bumping a generation stamp. One instance serves every token a worker visits, so the union of
 * two top-k lists costs O(k) per token with no allocation (MATH.md §4). Each slot packs the stamp
 * and the id in one long, so a probe is one load and one compare.
 */
final class SmallIdSet {
    private final long[] slots;
    private final int[] values;
    private final int mask;
    private long stamp = 1;

    SmallIdSet(int maxEntries) {
        int capacity = Integer.highestOneBit(Math.max(4, maxEntries) * 4 - 1) << 1;
        slots = new long[capacity];
        values = new int[capacity];
        mask = capacity - 1;
    }

    void clear() {
        if (++stamp == Integer.MAX_VALUE) {
            java.util.Arrays.fill(slots, 0L);
            stamp = 1;
        }
    }

    private int slot(int id) {
        int h = id * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }

    private long entry(int id) {
        return (stamp << 32) | (id & 0xFFFF_FFFFL);
    }

    /** The slot holding id, or the empty slot where its probe ends (linear probing; never full: at least 4 slots per entry). */
    private int find(int id) {
        final long e = entry(id);
        final long live = stamp;
        int s = slot(id);
        long v;
        while ((v = slots[s]) >>> 32 == live && v != e) {
            s = (s + 1) & mask;
        }
        return s;
    }

    /** Inserts id → value unless present; returns the previous value, or -1 when the id is new. */
    int putIfAbsent(int id, int value) {
        int s = find(id);
        if (slots[s] == entry(id)) {
            return values[s];
        }
        slots[s] = entry(id);
        values[s] = value;
        return -1;
    }

    /** Inserts id (its value is left unset: for {@link #contains} only). */
    void add(int id) {
        slots[find(id)] = entry(id);
    }

    /** Whether id was inserted since the last {@link #clear}. */
    boolean contains(int id) {
        return slots[find(id)] == entry(id);
    }

    /** The value stored for id, or -1. */
    int get(int id) {
        int s = find(id);
        return slots[s] == entry(id) ? values[s] : -1;
    }
}
