package io.github.jackpot4j.examples.cli;

import static io.github.jackpot4j.examples.cli.CommandLineTest.B;
import static io.github.jackpot4j.examples.cli.CommandLineTest.K;
import static io.github.jackpot4j.examples.cli.CommandLineTest.T;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A valid batch cut at every byte length, and with every structural byte flipped: each run either succeeds (a
 * cut file: with exactly the full file's result) or is refused with exit 1 and one stderr line; the
 * input never changes and a failed run leaves no output file. In-process, so it stays fast.
 */
class CliTruncationSweepTest {
    @TempDir
    Path dir;


    static byte[] validBatch(boolean deflate) {
        Map<String, byte[]> a = NpzBytes.batch(CommandLineTest.arrays(), B, T, K);
        a.put("step", NpzBytes.scalar(11));
        return NpzBytes.npz(a, deflate);
    }

    @Test
    void everyTruncationOfAStoredFileIsRefusedCleanly() throws IOException {
        sweepCuts(validBatch(false));
    }

    @Test
    void everyTruncationOfADeflatedFileIsRefusedCleanly() throws IOException {
        sweepCuts(validBatch(true));
    }

    @Test
    void everyFlippedStructureByteIsReadOrRefusedCleanly() throws IOException {
        byte[] full = validBatch(false);
        // the bytes that structure the file: zip local headers, .npy headers, central directory, end
        // record (the array data and header padding between them are covered by the CRC check)
        boolean[] structure = new boolean[full.length];
        Map<String, byte[]> a = NpzBytes.batch(CommandLineTest.arrays(), B, T, K);
        a.put("step", NpzBytes.scalar(11));
        int at = 0;
        for (Map.Entry<String, byte[]> e : a.entrySet()) {
            int local = 30 + e.getKey().length() + 4;
            byte[] npy = e.getValue();
            int dictEnd = new String(npy, 0, 128, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf('}') + 1;
            Arrays.fill(structure, at, at + local + dictEnd, true); // zip header, .npy magic, version, dict
            structure[at + local + 127] = true; // the header's closing newline (the padding spaces are skipped)
            at += local + npy.length;
        }
        Arrays.fill(structure, at, full.length, true);
        Path in = dir.resolve("in.npz");
        Path outDir = Files.createDirectory(dir.resolve("out"));
        Path out = outDir.resolve("r.npz");
        int refused = 0;
        int flipped = 0;
        for (int i = 0; i < full.length; i++) {
            if (!structure[i]) {
                continue;
            }
            flipped++;
            byte[] bytes = full.clone();
            bytes[i] ^= (byte) 0xff;
            Files.write(in, bytes);
            CommandLineTest.Run r = CommandLineTest.jackpot("weights", "--in", in.toString(), "--out", out.toString());
            assertArrayEquals(bytes, Files.readAllBytes(in), "input unchanged, flip at " + i);
            if (r.status == 0) {
                assertTrue(Files.isRegularFile(out), "flip at " + i);
                Files.delete(out);
            } else {
                refused++;
                assertOneLineFailure(r, "flip at " + i);
            }
            assertEmpty(outDir, "flip at " + i);
        }
        assertTrue(flipped > full.length / 2 && refused > flipped / 2, refused + " of " + flipped + " flips refused");
    }

    private void sweepCuts(byte[] full) throws IOException {
        assertTrue(full.length > 500 && full.length < 8000, "a small file: " + full.length);
        Path in = dir.resolve("in.npz");
        Path outDir = Files.createDirectories(dir.resolve("out"));
        Path out = outDir.resolve("r.npz");
        Files.write(in, full);
        CommandLineTest.Run ok = CommandLineTest.jackpot("weights", "--in", in.toString(), "--out", out.toString());
        assertEquals(0, ok.status, ok.err);
        byte[] expected = Files.readAllBytes(out);
        Files.delete(out);
        int refused = 0;
        for (int n = 0; n < full.length; n++) {
            byte[] cut = Arrays.copyOf(full, n);
            Files.write(in, cut);
            CommandLineTest.Run r = CommandLineTest.jackpot("weights", "--in", in.toString(), "--out", out.toString());
            assertArrayEquals(cut, Files.readAllBytes(in), "input unchanged, cut at " + n);
            if (r.status == 0) {
                assertArrayEquals(expected, Files.readAllBytes(out), "a cut file that is read gives the full result");
                Files.delete(out);
            } else {
                refused++;
                assertOneLineFailure(r, "cut at " + n);
                assertTrue(r.err.contains(in.toString()), "names the file: " + r.err);
            }
            assertEmpty(outDir, "cut at " + n);
        }
        assertEquals(full.length, refused, "every cut loses the zip's end record, so every cut is refused");
    }

    static void assertOneLineFailure(CommandLineTest.Run r, String what) {
        assertEquals(1, r.status, what + ": " + r.err);
        List<String> lines = r.err.lines().toList();
        assertEquals(1, lines.size(), what + ": " + r.err);
        assertTrue(lines.get(0).startsWith("jackpot weights: error: "), what + ": " + r.err);
        assertFalse(r.err.contains("\tat "), r.err);
    }

    static void assertEmpty(Path folder, String what) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            assertEquals(List.of(), s.toList(), what + ": no output or temporary file left");
        }
    }
}
