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
public final class FloatView extends TensorView {
    private final float[] array;
    private final FloatBuffer buffer;

    private FloatView(float[] array, FloatBuffer buffer, int offset, int[] shape, Object owner) {
        super(offset, shape, array != null ? array.length : buffer.limit(), owner);
        this.array = array;
        this.buffer = buffer;
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
        requireData(data);
        return new FloatView(data, null, offset, shape, null);
    }

    /** A view of a buffer (heap or direct) starting at absolute index {@code offset}; the shape is an explicit {@code int[]}. */
    public static FloatView at(FloatBuffer data, int offset, int... shape) {
        requireData(data);
        return new FloatView(null, data, offset, shape, null);
    }

    /** A view of a buffer starting at index 0. */
    public static FloatView of(FloatBuffer data, int... shape) {
        return at(data, 0, shape);
    }

    @Override
    public FloatView keepingAlive(Object newOwner) {
        return new FloatView(array, buffer, offset, shape, newOwner);
    }

    @Override
    FloatView rows(int from, int count) {
        return new FloatView(array, buffer, rowOffset(from), rowShape(count), owner);
    }

    /** The element at a flat row-major index in {@code [0, size())}. */
    public float get(int flatIndex) {
        int i = offset + flatIndex;
        return array != null ? array[i] : buffer.get(i);
    }

    /** The backing array when this view is over an array, else {@code null}. */
    public float[] array() {
        return array;
    }

    @Override
    public String toString() {
        return "FloatView" + Arrays.toString(shape) + (array != null ? " over float[]" : " over " + buffer);
    }
}
