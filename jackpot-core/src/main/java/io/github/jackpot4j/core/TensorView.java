package io.github.jackpot4j.core;

import java.util.Arrays;

/**
 * A read-only, row-major view with a shape over someone else's memory, starting at an offset: a
 * {@link FloatView} (values) or an {@link IdView} (token ids). Element {@code [i0, ..., in]} is read at
 * {@code offset + ((i0 * d1 + i1) * d2 + ...)} of the backing store (MATH.md §1; docs/math.md,
 * "Tensor views"). Nothing is copied; the caller must not change the memory while a computation runs.
 */
public abstract sealed class TensorView permits FloatView, IdView {
    final int offset;
    final int[] shape;
    final int size;
    final Object owner;

    TensorView(int offset, int[] shape, int capacity, Object owner) {
        this.offset = offset;
        this.shape = shape.clone();
        this.size = Shapes.checkedSize("shape", this.shape);
        this.owner = owner;
        if (offset < 0 || (long) offset + size > capacity) {
            throw new IllegalArgumentException("view of shape " + Arrays.toString(shape) + " at offset " + offset
                    + " needs " + ((long) offset + size) + " elements but the backing store holds " + capacity);
        }
    }

    static void requireData(Object data) {
        if (data == null) {
            throw new IllegalArgumentException("data is null");
        }
    }

    /** The offset of row {@code from} of dimension 0. */
    final int rowOffset(int from) {
        return offset + (shape[0] == 0 ? 0 : size / shape[0]) * from;
    }

    /** This shape with dimension 0 set to {@code count}. */
    final int[] rowShape(int count) {
        int[] s = shape.clone();
        s[0] = count;
        return s;
    }

    /** Rows [from, from + count) of dimension 0, no copy (the same backing store and owner). */
    abstract TensorView rows(int from, int count);

    /**
     * This view, holding a strong reference to {@code owner} (for example the {@code INDArray} whose
     * native memory a buffer reads): as long as the view — or a batch built from it — is reachable, so
     * is the owner, so its memory cannot be freed under the view by a garbage collection. A NIO buffer
     * over native memory does not by itself keep the memory's owner alive.
     */
    public abstract TensorView keepingAlive(Object owner);

    /** The shape (a copy). */
    public final int[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public final int rank() {
        return shape.length;
    }

    /** The length of dimension {@code d}. */
    public final int dim(int d) {
        return shape[d];
    }

    /** The number of elements. */
    public final int size() {
        return size;
    }

    /** The index of element 0 in the backing store. */
    public final int offset() {
        return offset;
    }
}
