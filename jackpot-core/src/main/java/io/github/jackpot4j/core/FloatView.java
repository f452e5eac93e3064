package io.github.jackpot4j.core;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A read-only, row-major view of float data with a shape, over a {@code float[]} or a
 * {@link FloatBuffer} (heap or direct), starting at an offset. Nothing is copied: the view reads
 * the caller's memory, so the caller must not change it while a computation runs.
 *
 * <p>Element {@code [i0, i1, ..., in]} is read at {@code offset + ((i0 * d1 + i1) * d2 + ...)} of the
 * backing store. For a buffer the offset is an absolute index (the buffer's position is ignored and
 * never changed). This is how host memory of other libraries (ND4J, DJL, NIO) reaches the core; see
 * {@code docs/math.md}, "Tensor views".
 */
public final class FloatView {
    private final float[] array;
    private final FloatBuffer buffer;
    private final int offset;
    private final int[] shape;
    private final int size;
    private final Object owner;

    private FloatView(float[] array, FloatBuffer buffer, int offset, int[] shape) {
        this(array, buffer, offset, shape, null);
    }

    private FloatView(float[] array, FloatBuffer buffer, int offset, int[] shape, Object owner) {
        this.owner = owner;
        this.array = array;
        this.buffer = buffer;
        this.offset = offset;
        this.shape = shape.clone();
        this.size = Shapes.checkedSize("shape", this.shape);
        int capacity = array != null ? array.length : buffer.limit();
        if (offset < 0 || (long) offset + size > capacity) {
            throw new IllegalArgumentException("view of shape " + Arrays.toString(shape) + " at offset " + offset
                    + " needs " + ((long) offset + size) + " elements but the backing store holds " + capacity);
        }
    }

    /** A view of the whole array (from index 0) with the given shape. */
    public static FloatView of(float[] data, int... shape) {
        return at(data, 0, shape);
    }

    /**
     * A view of {@code data} starting at element {@code offset} — a micro-batch's rows, say:
     * {@code FloatView.at(logProbs, firstRow * T, rows, T)}. A separate name, so that an offset can
     * never be read as a dimension ({@code of(data, 2, 3)} is always the shape [2, 3]).
     */
    public static FloatView at(float[] data, int offset, int... shape) {
        if (data == null) {
            throw new IllegalArgumentException("data is null");
        }
        return new FloatView(data, null, offset, shape);
    }

    /** A view of a buffer (heap or direct) starting at absolute index {@code offset}; the shape is an explicit {@code int[]}. */
    public static FloatView at(FloatBuffer data, int offset, int... shape) {
        if (data == null) {
            throw new IllegalArgumentException("data is null");
        }
        return new FloatView(null, data, offset, shape);
    }

    /** A view of a buffer starting at index 0. */
    public static FloatView of(FloatBuffer data, int... shape) {
        return at(data, 0, shape);
    }

    /**
     * This view, holding a strong reference to {@code owner} (for example the {@code INDArray} whose
     * native memory the buffer reads): as long as the view — or a batch built from it — is reachable,
     * so is the owner, so its memory cannot be freed under the view by a garbage collection. A NIO
     * buffer over native memory does not by itself keep the memory's owner alive.
     */
    public FloatView keepingAlive(Object owner) {
        return new FloatView(array, buffer, offset, shape, owner);
    }

    /** The object this view keeps alive ({@link #keepingAlive}), or null. */
    Object owner() {
        return owner;
    }

    /** Rows [from, from + count) of dimension 0, no copy (the same backing store and owner). */
    FloatView rows(int from, int count) {
        int rowSize = shape[0] == 0 ? 0 : size / shape[0];
        int[] s = shape.clone();
        s[0] = count;
        return new FloatView(array, buffer, offset + from * rowSize, s, owner);
    }

    /** The element at a flat row-major index in {@code [0, size())}. */
    public float get(int flatIndex) {
        return array != null ? array[offset + flatIndex] : buffer.get(offset + flatIndex);
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

    /** The backing array when this view is over an array, else {@code null}. */
    public float[] array() {
        return array;
    }

    /** The index of element 0 in the backing store. */
    public int offset() {
        return offset;
    }

    @Override
    public String toString() {
        return "FloatView" + Arrays.toString(shape) + (array != null ? " over float[]" : " over " + buffer);
    }
}
