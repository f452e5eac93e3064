package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** An offset can never be read as a dimension: {@code of} takes a shape only, {@code at} an offset and a shape. */
class ViewOffsetTest {
    @Test
    void ofIsAlwaysAShapeAndAtAlwaysAnOffset() {
        float[] data = {0, 1, 2, 3, 4, 5, 6, 7};
        FloatView shape = FloatView.of(data, 2, 3);
        assertArrayEquals(new int[] {2, 3}, shape.shape());
        assertEquals(0, shape.offset());
        FloatView rows = FloatView.at(data, 2, 2, 3); // the rows the docs slice: offset 2, shape [2, 3]
        assertArrayEquals(new int[] {2, 3}, rows.shape());
        assertEquals(2f, rows.get(0));
        assertEquals(7f, rows.get(5));
        IdView ids = IdView.at(new long[] {9, 8, 7, 6}, 1, 3);
        assertArrayEquals(new int[] {3}, ids.shape());
        assertEquals(8L, ids.getLong(0));
    }
}
