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
public final class IdView {
    private final int[] ints;
    private final long[] longs;
    private final IntBuffer intBuffer;
    private final LongBuffer longBuffer;
    private final int offset;
    private final int[] shape;
    private final int size;
    private Object owner;

    /**
     * This view, holding a strong reference to {@code owner} (for example the {@code INDArray} whose
     * native memory the buffer reads), so the owner's memory cannot be freed under the view; see
     * {@link FloatView#keepingAlive(Object)}.
     */
    public IdView keepingAlive(Object owner) {
        IdView v = new IdView(ints, longs, intBuffer, longBuffer, offset, shape);
        v.owner = owner;
        return v;
    }

    /** The object this view keeps alive ({@link #keepingAlive}), or null. */
    Object owner() {
        return owner;
    }

    /** Rows [from, from + count) of dimension 0, no copy (the same backing store and owner). */
    IdView rows(int from, int count) {
        int rowSize = shape[0] == 0 ? 0 : size / shape[0];
        int[] s = shape.clone();
        s[0] = count;
        IdView v = new IdView(ints, longs, intBuffer, longBuffer, offset + from * rowSize, s);
        v.owner = owner;
        return v;
    }

    private IdView(int[] ints, long[] longs, IntBuffer intBuffer, LongBuffer longBuffer, int offset, int[] shape) {
        this.ints = ints;
        this.longs = longs;
        this.intBuffer = intBuffer;
        this.longBuffer = longBuffer;
        this.offset = offset;
        this.shape = shape.clone();
        this.size = Shapes.checkedSize("shape", this.shape);
        int capacity = ints != null ? ints.length
                : longs != null ? longs.length
                : intBuffer != null ? intBuffer.limit() : longBuffer.limit();
        if (offset < 0 || (long) offset + size > capacity) {
            throw new IllegalArgumentException("view of shape " + Arrays.toString(shape) + " at offset " + offset
                    + " needs " + ((long) offset + size) + " elements but the backing store holds " + capacity);
        }
    }

    /** A view of the whole array with the given shape. */
    public static IdView of(int[] data, int... shape) {
        return at(data, 0, shape);
    }

    /** A view of {@code data} starting at {@code offset}; the shape is an explicit {@code int[]} (so that {@code of(data, 2, 3)} is always the shape [2,3]). */
    public static IdView at(int[] data, int offset, int... shape) {
        requireNonNull(data);
        return new IdView(data, null, null, null, offset, shape);
    }

    /** A view of the whole array with the given shape. */
    public static IdView of(long[] data, int... shape) {
        return at(data, 0, shape);
    }

    /** A view of {@code data} starting at {@code offset}; the shape is an explicit {@code int[]} (so that {@code of(data, 2, 3)} is always the shape [2,3]). */
    public static IdView at(long[] data, int offset, int... shape) {
        requireNonNull(data);
        return new IdView(null, data, null, null, offset, shape);
    }

    /** A view of a buffer starting at absolute index {@code offset}; the shape is an explicit {@code int[]}. */
    public static IdView at(IntBuffer data, int offset, int... shape) {
        requireNonNull(data);
        return new IdView(null, null, data, null, offset, shape);
    }

    /** A view of a buffer starting at absolute index {@code offset}; the shape is an explicit {@code int[]}. */
    public static IdView at(LongBuffer data, int offset, int... shape) {
        requireNonNull(data);
        return new IdView(null, null, null, data, offset, shape);
    }

    /** A view of a whole int buffer (from absolute index 0) with the given shape. */
    public static IdView of(IntBuffer data, int... shape) {
        return at(data, 0, shape);
    }

    /** A view of a whole long buffer (from absolute index 0) with the given shape. */
    public static IdView of(LongBuffer data, int... shape) {
        return at(data, 0, shape);
    }

    private static void requireNonNull(Object data) {
        if (data == null) {
            throw new IllegalArgumentException("data is null");
        }
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

    /** The shape (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** The length of dimension {@code d}. */
    public int dim(int d) {
        return shape[d];
    }

    /** The number of elements. */
    public int size() {
        return size;
    }

    @Override
    public String toString() {
        String store = ints != null ? "int[]" : longs != null ? "long[]" : intBuffer != null ? "IntBuffer" : "LongBuffer";
        return "IdView" + Arrays.toString(shape) + " over " + store;
    }
}
