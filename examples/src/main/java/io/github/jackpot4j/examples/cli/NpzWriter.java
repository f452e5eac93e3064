package io.github.jackpot4j.examples.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes float32 arrays as an uncompressed {@code .npz}, exactly as {@code np.savez} lays it out
 * (stored zip entries {@code name.npy}, .npy format 1.0, little-endian {@code <f4}, C order). No DJL.
 */
final class NpzWriter {
    private NpzWriter() {
    }

    /** Every entry's modification time: the first DOS date, so that an output depends on its arrays only. */
    static final LocalDateTime FIXED_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

    /** One array: its shape ({@code new int[0]} for a scalar) and values. */
    record Entry(int[] shape, float[] values) {
    }

    static void write(OutputStream target, Map<String, Entry> arrays) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(target);
        zip.setMethod(ZipOutputStream.STORED);
        for (Map.Entry<String, Entry> e : arrays.entrySet()) {
            byte[] npy = npy(e.getValue().shape(), e.getValue().values());
            ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
            entry.setTimeLocal(FIXED_TIME); // the same arrays give the same bytes, whenever they are written
            entry.setMethod(ZipEntry.STORED);
            entry.setSize(npy.length);
            entry.setCompressedSize(npy.length);
            CRC32 crc = new CRC32();
            crc.update(npy);
            entry.setCrc(crc.getValue());
            zip.putNextEntry(entry);
            zip.write(npy);
            zip.closeEntry();
        }
        zip.finish();
        zip.flush();
    }

    /** A .npy 1.0 file of a float32 array. */
    static byte[] npy(int[] shape, float[] values) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(shape[i]).append(shape.length == 1 ? "," : i + 1 < shape.length ? ", " : "");
        }
        s.append(')');
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + s + ", }";
        int preamble = 10;
        int total = preamble + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        StringBuilder header = new StringBuilder(dict);
        header.append(" ".repeat(padded - total)).append('\n');
        ByteArrayOutputStream out = new ByteArrayOutputStream(padded + 4 * values.length);
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        int len = header.length();
        out.write(len & 0xff);
        out.write((len >>> 8) & 0xff);
        out.writeBytes(header.toString().getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            data.putFloat(v);
        }
        out.writeBytes(data.array());
        return out.toByteArray();
    }
}
