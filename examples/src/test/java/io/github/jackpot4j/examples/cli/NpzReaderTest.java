package io.github.jackpot4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the strict reader accepts: every allowed dtype, .npy versions 1-3, stored and deflated entries. */
class NpzReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryAllowedDtypeAndVersionStoredAndDeflated() throws IOException {
        float[] values = {-0.5f, -1.25f, 0f, -3f, Float.NEGATIVE_INFINITY, -2f};
        long[] ids = {0, 5, Integer.MAX_VALUE, 7, 1, 2};
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        arrays.put("f4", NpzBytes.npy("<f4", false, new long[] {2, 3}, NpzBytes.f4(values)));
        arrays.put("f8", NpzBytes.npy("<f8", false, new long[] {2, 3}, NpzBytes.f8(values)));
        arrays.put("i4", NpzBytes.npy("<i4", false, new long[] {6}, NpzBytes.i4(ids)));
        arrays.put("i8", NpzBytes.npy(2, NpzBytes.dict("<i8", false, new long[] {3, 2}), NpzBytes.i8(ids)));
        arrays.put("b1", NpzBytes.npy(3, NpzBytes.dict("|b1", false, new long[] {2, 3}), new byte[] {1, 0, 1, 1, 0, 0}));
        arrays.put("scalar", NpzBytes.scalar(42));
        arrays.put("empty", NpzBytes.npy("<f4", false, new long[] {0, 3}, new byte[0]));
        for (boolean deflate : new boolean[] {false, true}) {
            Path file = dir.resolve(deflate + ".npz");
            Files.write(file, NpzBytes.npz(arrays, deflate));
            Map<String, NpzReader.Array> read = NpzReader.read(file);
            assertEquals(arrays.keySet(), read.keySet());
            assertArrayEquals(values, read.get("f4").floats());
            assertArrayEquals(new long[] {2, 3}, read.get("f4").shape());
            assertArrayEquals(values, read.get("f8").floats());
            assertArrayEquals(ids, read.get("i4").longs());
            assertArrayEquals(ids, read.get("i8").longs());
            assertArrayEquals(new long[] {3, 2}, read.get("i8").shape());
            assertArrayEquals(new float[] {1, 0, 1, 1, 0, 0}, read.get("b1").floats());
            assertArrayEquals(new long[0], read.get("scalar").shape());
            assertArrayEquals(new long[] {42}, read.get("scalar").longs());
            assertEquals(0, read.get("empty").floats().length);
        }
    }

    @Test
    void readsWhatItsWriterWrites() throws IOException {
        Map<String, NpzWriter.Entry> out = new LinkedHashMap<>();
        out.put("m", new NpzWriter.Entry(new int[] {2, 2}, new float[] {1, 2, 3, 4}));
        out.put("v", new NpzWriter.Entry(new int[] {3}, new float[] {5, 6, 7}));
        out.put("loss", new NpzWriter.Entry(new int[0], new float[] {0.25f}));
        Path file = dir.resolve("w.npz");
        try (OutputStream o = Files.newOutputStream(file)) {
            NpzWriter.write(o, out);
        }
        Map<String, NpzReader.Array> read = NpzReader.read(file);
        assertArrayEquals(new float[] {1, 2, 3, 4}, read.get("m").floats());
        assertArrayEquals(new long[] {2, 2}, read.get("m").shape());
        assertArrayEquals(new long[] {3}, read.get("v").shape());
        assertArrayEquals(new long[0], read.get("loss").shape());
        assertEquals(0.25f, read.get("loss").floats()[0]);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
                new String(NpzWriter.npy(new int[] {3}, new float[3]), 10, 57, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    /** Every entry carries the fixed DOS time 1980-01-01 00:00 (time 0, date 0x21), not the clock's. */
    @Test
    void writtenFilesDoNotDependOnTheClock() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        NpzWriter.write(bytes, Map.of("a", new NpzWriter.Entry(new int[] {2}, new float[] {1f, 2f})));
        java.nio.ByteBuffer header = java.nio.ByteBuffer.wrap(bytes.toByteArray()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x04034b50, header.getInt(0), "a local file header");
        assertEquals(0, header.getShort(10), "DOS time");
        assertEquals(0x21, header.getShort(12), "DOS date");
    }

    @Test
    void boolAndIntMasksWorkThroughTheCommand() throws IOException {
        int b = CommandLineTest.B;
        int t = CommandLineTest.T;
        Map<String, byte[]> a = NpzBytes.batch(CommandLineTest.arrays(), b, t, CommandLineTest.K);
        float[] mask = (float[]) CommandLineTest.arrays().get("response_mask");
        byte[] bools = new byte[mask.length];
        long[] ints = new long[mask.length];
        for (int i = 0; i < mask.length; i++) {
            bools[i] = (byte) mask[i];
            ints[i] = (long) mask[i];
        }
        Path f = dir.resolve("f.npz");
        Files.write(f, NpzBytes.npz(a, false));
        a.put("response_mask", NpzBytes.npy("|b1", false, new long[] {b, t}, bools));
        Path bool = dir.resolve("b.npz");
        Files.write(bool, NpzBytes.npz(a, false));
        a.put("response_mask", NpzBytes.npy("<i4", false, new long[] {b, t}, NpzBytes.i4(ints)));
        Path int32 = dir.resolve("i.npz");
        Files.write(int32, NpzBytes.npz(a, true));
        byte[] expected = null;
        for (Path in : new Path[] {f, bool, int32}) {
            Path out = dir.resolve("out-" + in.getFileName());
            CommandLineTest.Run r = CommandLineTest.jackpot("weights", "--in", in.toString(), "--out", out.toString(),
                    "--step", "3");
            assertEquals(0, r.status, r.err);
            byte[] bytes = Files.readAllBytes(out);
            if (expected == null) {
                expected = bytes;
            }
            assertArrayEquals(expected, bytes, in.toString());
        }
    }
}
