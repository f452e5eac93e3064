package io.github.jackpot4j.examples.cli;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Test .npz files built byte by byte with java.util.zip primitives (no Python, no DJL): .npy files
 * with any header, and zip archives, stored (np.savez) or deflated (np.savez_compressed), that may
 * break the rules (duplicate names, wrong CRC) on purpose.
 */
final class NpzBytes {
    private NpzBytes() {
    }

    /** One zip entry. */
    record Entry(String name, byte[] content) {
    }

    /** A .npy file of format version {@code major}.0 with the given header dictionary and data. */
    static byte[] npy(int major, String dict, byte[] data) {
        int preamble = major == 1 ? 10 : 12;
        int total = preamble + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        String header = dict + " ".repeat(padded - total) + "\n";
        ByteBuffer b = ByteBuffer.allocate(padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) header.length());
        } else {
            b.putInt(header.length());
        }
        b.put(header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
        b.put(data);
        return b.array();
    }

    /** A .npy 1.0 file as numpy writes it. */
    static byte[] npy(String descr, boolean fortran, long[] shape, byte[] data) {
        return npy(1, dict(descr, fortran, shape), data);
    }

    static String dict(String descr, boolean fortran, long[] shape) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(shape[i]).append(shape.length == 1 ? "," : i + 1 < shape.length ? ", " : "");
        }
        s.append(')');
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + s + ", }";
    }

    static byte[] f4(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static byte[] f4BigEndian(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.BIG_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static byte[] f8(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putDouble(x);
        }
        return b.array();
    }

    static byte[] i8(long[] v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }

    static byte[] i4(long[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putInt((int) x);
        }
        return b.array();
    }

    /** A zip of the entries in order, each stored or deflated; duplicates are kept as given. */
    static byte[] zip(List<Entry> entries, boolean deflate) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream central = new ByteArrayOutputStream();
        for (Entry e : entries) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            CRC32 crc = new CRC32();
            crc.update(e.content());
            byte[] stored = deflate ? deflate(e.content()) : e.content();
            int method = deflate ? 8 : 0;
            int offset = out.size();
            ByteBuffer local = le(30 + name.length);
            local.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) method)
                    .putShort((short) 0).putShort((short) 0x21).putInt((int) crc.getValue()).putInt(stored.length)
                    .putInt(e.content().length).putShort((short) name.length).putShort((short) 0).put(name);
            out.writeBytes(local.array());
            out.writeBytes(stored);
            ByteBuffer c = le(46 + name.length);
            c.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0)
                    .putShort((short) method).putShort((short) 0).putShort((short) 0x21).putInt((int) crc.getValue())
                    .putInt(stored.length).putInt(e.content().length).putShort((short) name.length)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt(offset).put(name);
            central.writeBytes(c.array());
        }
        int cdOffset = out.size();
        out.writeBytes(central.toByteArray());
        ByteBuffer end = le(22);
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) entries.size())
                .putShort((short) entries.size()).putInt(central.size()).putInt(cdOffset).putShort((short) 0);
        out.writeBytes(end.array());
        return out.toByteArray();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(6, true);
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    /**
     * The .npy entries of a batch: {@code CommandLineTest}'s arrays with their natural dtypes
     * (float[] as {@code <f4}, long[] as {@code <i8}, int[] as {@code <i4}), in order, by array name.
     */
    static Map<String, byte[]> batch(Map<String, Object> arrays, int b, int t, int k) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : arrays.entrySet()) {
            long[] shape = e.getKey().contains("topk") ? new long[] {b, t, k} : new long[] {b, t};
            Object v = e.getValue();
            if (v instanceof float[] f) {
                out.put(e.getKey(), npy("<f4", false, shape, f4(f)));
            } else if (v instanceof long[] l) {
                out.put(e.getKey(), npy("<i8", false, shape, i8(l)));
            } else {
                int[] ints = (int[]) v;
                out.put(e.getKey(), npy("<i4", false, shape, i4(Arrays.stream(ints).asLongStream().toArray())));
            }
        }
        return out;
    }

    /** A scalar int64 .npy (e.g. {@code step}). */
    static byte[] scalar(long v) {
        return npy("<i8", false, new long[0], i8(new long[] {v}));
    }

    /** The zip of {@code arrays} (name -> .npy bytes), entry names with {@code .npy}. */
    static byte[] npz(Map<String, byte[]> arrays, boolean deflate) {
        List<Entry> entries = new ArrayList<>();
        arrays.forEach((name, npy) -> entries.add(new Entry(name + ".npy", npy)));
        return zip(entries, deflate);
    }
}
