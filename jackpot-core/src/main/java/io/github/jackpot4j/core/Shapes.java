package io.github.jackpot4j.core;

import java.util.Arrays;

/** Shape arithmetic and the index formatting used in error messages. */
final class Shapes {
    private Shapes() {
    }

    static int checkedSize(String what, int[] shape) {
        long size = 1;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 0) {
                throw new IllegalArgumentException(what + " " + Arrays.toString(shape) + " has a negative dimension " + d);
            }
            size *= shape[d];
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(what + " " + Arrays.toString(shape) + " has more than 2^31-1 elements");
            }
        }
        return (int) size;
    }

    /** Formats a flat row-major index as {@code [i0,i1,...]} for the given shape. */
    static String index(int flatIndex, int... shape) {
        int[] idx = new int[shape.length];
        int rest = flatIndex;
        for (int d = shape.length - 1; d >= 0; d--) {
            int n = Math.max(shape[d], 1);
            idx[d] = rest % n;
            rest /= n;
        }
        StringBuilder sb = new StringBuilder("[");
        for (int d = 0; d < idx.length; d++) {
            if (d > 0) {
                sb.append(',');
            }
            sb.append(idx[d]);
        }
        return sb.append(']').toString();
    }
}
