package io.github.jackpot4j.core;

import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * A read-only, row-major view of token ids with a shape, over {@code int[]}, {@code long[]},
 * {@link IntBuffer} or {@link LongBuffer}, starting at an offset. Nothing is copied. Ids are read as
 * {@code long}; validation ({@link JackpotBatch.Builder#build()}) rejects ids outside {@code [0, V)}
 * (or negative ids when no vocabulary size is given) and ids beyond the {@code int} range.
 *
 * <p>Layout and offsets follow {@link FloatView}.
 */
public final class IdView extends TensorView {
    private final int[] ints;
    private final long[] longs;
    private final IntBuffer intBuffer;
    private final LongBuffer longBuffer;

    private IdView(int[] ints, long[] longs, IntBuffer intBuffer, LongBuffer longBuffer, int offset, int[] shape,
                   Object owner) {
        super(offset, shape, ints != null ? ints.length : longs != null ? longs.length
                : intBuffer != null ? intBuffer.limit() : longBuffer.limit(), owner);
        this.ints = ints;
        this.longs = longs;
        this.intBuffer = intBuffer;
        this.longBuffer = longBuffer;
    }

    @Override
    public IdView keepingAlive(Object newOwner) {
        return new IdView(ints, longs, intBuffer, longBuffer, offset, shape, newOwner);
    }

    @Override
    IdView rows(int from, int count) {
        return new IdView(ints, longs, intBuffer, longBuffer, rowOffset(from), rowShape(count), owner);
    }

    /** A view of the whole array with the given shape. */
    public static IdView of(int[] data, int... shape) {
        return at(data, 0, shape);
    }

    /** A view of {@code data} starting at {@code offset}; the shape is an explicit {@code int[]} (so that {@code of(data, 2, 3)} is always the shape [2,3]). */
    public static IdView at(int[] data, int offset, int... shape) {
        requireData(data);
        return new IdView(data, null, null, null, offset, shape, null);
    }

    /** A view of the whole array with the given shape. */
    public static IdView of(long[] data, int... shape) {
        return at(data, 0, shape);
    }

    /** A view of {@code data} starting at {@code offset}; the shape is an explicit {@code int[]}. */
    public static IdView at(long[] data, int offset, int... shape) {
        requireData(data);
        return new IdView(null, data, null, null, offset, shape, null);
    }

    /** A view of a buffer starting at absolute index {@code offset}; the shape is an explicit {@code int[]}. */
    public static IdView at(IntBuffer data, int offset, int... shape) {
        requireData(data);
        return new IdView(null, null, data, null, offset, shape, null);
    }

    /** A view of a buffer starting at absolute index {@code offset}; the shape is an explicit {@code int[]}. */
    public static IdView at(LongBuffer data, int offset, int... shape) {
        requireData(data);
        return new IdView(null, null, null, data, offset, shape, null);
    }

    /** A view of a whole int buffer (from absolute index 0) with the given shape. */
    public static IdView of(IntBuffer data, int... shape) {
        return at(data, 0, shape);
    }

    /** A view of a whole long buffer (from absolute index 0) with the given shape. */
    public static IdView of(LongBuffer data, int... shape) {
        return at(data, 0, shape);
    }

    /** The id at a flat row-major index, widened to {@code long}. */
    public long getLong(int flatIndex) {
        int i = offset + flatIndex;
        if (ints != null) {
            return ints[i];
        }
        if (longs != null) {
            return longs[i];
        }
        return intBuffer != null ? intBuffer.get(i) : longBuffer.get(i);
    }

    /** The id at a flat index as an {@code int}; valid after batch validation checked the range. */
    public int get(int flatIndex) {
        int i = offset + flatIndex;
        if (ints != null) {
            return ints[i];
        }
        if (longs != null) {
            return (int) longs[i];
        }
        return intBuffer != null ? intBuffer.get(i) : (int) longBuffer.get(i);
    }

    @Override
    public String toString() {
        String store = ints != null ? "int[]" : longs != null ? "long[]" : intBuffer != null ? "IntBuffer" : "LongBuffer";
        return "IdView" + Arrays.toString(shape) + " over " + store;
    }
}
