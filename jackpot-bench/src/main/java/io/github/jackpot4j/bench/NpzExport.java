package io.github.jackpot4j.bench;

import io.github.jackpot4j.core.Execution;
import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotResult;
import io.github.jackpot4j.core.RejectionUniforms;
import io.github.jackpot4j.core.Target;
import io.github.jackpot4j.core.testing.SyntheticRollouts;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes the benchmark batch ({@link SyntheticRollouts#atScale}, the same generator and seed as
 * {@link CoreBenchmark}) to an uncompressed {@code .npz}, with the rejection uniforms the core draws
 * and the core's loss, so that a PyTorch peer computes the same math on the same data:
 * {@code java -cp benchmarks.jar io.github.jackpot4j.bench.NpzExport out.npz N k [seed]}.
 */
public final class NpzExport {
    private NpzExport() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int tokens = Integer.parseInt(args[1]);
        int k = Integer.parseInt(args[2]);
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 42L;
        SyntheticRollouts d = SyntheticRollouts.atScale(tokens, k, seed);
        SyntheticRollouts.TopKLists top = d.topK(Target.LATEST);
        JackpotBatch batch = d.batch();
        JackpotConfig config = JackpotConfig.builder().topK(k).build();
        JackpotResult result = JackpotResult.allocate(batch.batchSize(), batch.length());
        Jackpot.compute(config, batch, null, result, Execution.sequential());
        float[] uniforms = RejectionUniforms.fill(config.seed(), 0, 0, batch.batchSize(), batch.length(),
                new float[tokens]);
        int[] tok = {tokens};
        int[] lists = {tokens, k};
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20);
             ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.setMethod(ZipOutputStream.STORED);
            put(zip, "mask", tok, d.responseMask);
            put(zip, "rollout_lp", tok, d.rolloutLogProbs);
            put(zip, "old_lp", tok, d.oldLogProbs);
            put(zip, "new_lp", tok, d.logProbs);
            put(zip, "adv", tok, d.advantages);
            put(zip, "u", tok, uniforms);
            put(zip, "r_ids", lists, top.rolloutIds);
            put(zip, "r_lp", lists, top.rolloutLogProbs);
            put(zip, "t_ids", lists, top.targetIds);
            put(zip, "t_lp", lists, top.targetLogProbs);
            put(zip, "t_at_r", lists, top.targetAtRollout);
            put(zip, "r_at_t", lists, top.rolloutAtTarget);
            put(zip, "core_loss", new int[0], new double[] {result.loss()});
        }
        System.out.printf("wrote %s: N=%d k=%d seed=%d core_loss=%.9g%n", out, tokens, k, seed, result.loss());
    }

    private static void put(ZipOutputStream zip, String name, int[] shape, Object values) throws IOException {
        int n = java.lang.reflect.Array.getLength(values);
        String descr = values instanceof int[] ? "<i4" : values instanceof double[] ? "<f8" : "<f4";
        int width = values instanceof double[] ? 8 : 4;
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(shape[i]).append(shape.length == 1 ? "," : i + 1 < shape.length ? ", " : "");
        }
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + s + "), }";
        int total = 10 + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        String header = dict + " ".repeat(padded - total) + "\n";
        ByteBuffer b = ByteBuffer.allocate(padded + width * n).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        if (values instanceof int[] a) {
            b.asIntBuffer().put(a);
        } else if (values instanceof float[] a) {
            b.asFloatBuffer().put(a);
        } else {
            b.asDoubleBuffer().put((double[]) values);
        }
        byte[] bytes = b.array();
        CRC32 crc = new CRC32();
        crc.update(bytes);
        ZipEntry entry = new ZipEntry(name + ".npy");
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(bytes.length);
        entry.setCompressedSize(bytes.length);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
    }
}
