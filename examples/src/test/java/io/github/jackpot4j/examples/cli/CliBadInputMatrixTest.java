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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One case per way a bad input used to lose data, misread or crash: each run must exit 1 with
 * exactly one stderr line {@code jackpot COMMAND: error: ...} that names the culprit (array, option
 * or path), leave the input file byte-for-byte unchanged and leave no output (nor temporary) file.
 * An option value that breaks its rule is a bad command line: exit 2 with one line
 * {@code jackpot COMMAND: ... (try --help)} naming the option, the value and the rule.
 */
class CliBadInputMatrixTest {
    @TempDir
    Path dir;
    Path outDir;
    Path out;


    @BeforeEach
    void folders() throws IOException {
        outDir = Files.createDirectory(dir.resolve("out"));
        out = outDir.resolve("result.npz");
    }

    /** The valid batch's .npy entries (10 arrays + step), to be spoiled by each case. */
    static Map<String, byte[]> valid() {
        Map<String, byte[]> a = NpzBytes.batch(CommandLineTest.arrays(), B, T, K);
        a.put("step", NpzBytes.scalar(7));
        return a;
    }

    Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    Path write(String name, Map<String, byte[]> arrays, boolean deflate) throws IOException {
        return write(name, NpzBytes.npz(arrays, deflate));
    }

    /** Runs {@code args}, checks the failure contract, returns the error line. */
    String refused(Path input, String command, String... args) throws IOException {
        return failed(input, command, 1, args, (line, r) -> {
            assertTrue(line.startsWith("jackpot " + command + ": error: "), line);
            assertTrue(r.err.endsWith("\n") && !r.err.contains("\tat "), r.err);
        });
    }

    /** As {@link #refused} for a bad command line: exit status 2, one line naming the option and its rule. */
    String misused(Path input, String command, String... args) throws IOException {
        return failed(input, command, 2, args, (line, r) -> {
            assertTrue(line.startsWith("jackpot " + command + ": Invalid value for option '"), line);
            assertTrue(line.endsWith(" (try --help)"), line);
        });
    }

    /**
     * The contract of every failure: exit {@code status}, exactly one stderr line (checked further by
     * {@code line}), nothing on stdout, the input unchanged, no output or temporary file left.
     */
    private String failed(Path input, String command, int status, String[] args,
                          BiConsumer<String, CommandLineTest.Run> line) throws IOException {
        byte[] before = input != null && Files.isRegularFile(input) ? Files.readAllBytes(input) : null;
        String[] all = new String[args.length + 1];
        all[0] = command;
        System.arraycopy(args, 0, all, 1, args.length);
        CommandLineTest.Run r = CommandLineTest.jackpot(all);
        assertEquals(status, r.status, "exit status of " + Arrays.toString(all) + "; stderr: " + r.err);
        List<String> lines = r.err.lines().toList();
        assertEquals(1, lines.size(), "exactly one stderr line: " + r.err);
        line.accept(lines.get(0), r);
        assertEquals("", r.out, "nothing on stdout");
        if (before != null) {
            assertArrayEquals(before, Files.readAllBytes(input), "the input file must not change");
        }
        try (Stream<Path> left = Files.list(outDir)) {
            assertEquals(List.of(), left.toList(), "no output or temporary file after a failure");
        }
        return lines.get(0);
    }

    String weights(Path in, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--in", in.toString(), "--out", out.toString()));
        args.addAll(List.of(extra));
        return refused(in, "weights", args.toArray(String[]::new));
    }

    static void assertNames(String line, String... parts) {
        for (String p : parts) {
            assertTrue(line.contains(p), "'" + line + "' should name " + p);
        }
    }

    /** Replaces array {@code name} with a .npy of {@code descr} and the right shape. */
    Path withArray(String file, String name, byte[] npy, boolean deflate) throws IOException {
        Map<String, byte[]> a = valid();
        a.put(name, npy);
        return write(file, a, deflate);
    }

    @Test
    void theValidFilesWork() throws IOException {
        for (boolean deflate : new boolean[] {false, true}) {
            Path in = write("ok.npz", valid(), deflate);
            CommandLineTest.Run r = CommandLineTest.jackpot("weights", "--in", in.toString(), "--out", out.toString());
            assertEquals(0, r.status, r.err);
            assertTrue(Files.isRegularFile(out));
            Files.delete(out);
        }
    }

    @Test
    void outEqualToInIsRefusedAndTheInputIsKept() throws IOException {
        Path in = write("b.npz", valid(), false);
        out = in;
        assertNames(weights(in), "--out", in.toString(), "input");
        out = dir.resolve("out/../b.npz");
        assertNames(weights(in), "--out", "input");
        out = dir.resolve("./b.npz");
        weights(in);
        Path link = dir.resolve("link.npz");
        Files.createSymbolicLink(link, in);
        out = link;
        assertNames(weights(in), "--out", "link.npz");
        Path hard = dir.resolve("hard.npz");
        Files.createLink(hard, in);
        out = hard;
        weights(in);
        // and as --metrics
        out = outDir.resolve("r.npz");
        assertNames(weights(in, "--metrics", in.toString()), "--metrics", in.toString());
    }

    @Test
    void outEqualToMetricsIsRefused() throws IOException {
        Path in = write("b.npz", valid(), false);
        assertNames(weights(in, "--metrics", out.toString()), "--metrics", "--out");
    }

    @Test
    void missingOutputFolderIsNamed() throws IOException {
        Path in = write("b.npz", valid(), false);
        out = dir.resolve("no/such/folder/result.npz");
        assertNames(weights(in), dir.resolve("no/such/folder").toString(), "does not exist");
        out = outDir.resolve("r.npz");
        assertNames(weights(in, "--metrics", dir.resolve("nowhere/m.json").toString()), "--metrics",
                dir.resolve("nowhere").toString());
    }

    @Test
    void outputThatIsAFolderIsRefused() throws IOException {
        Path in = write("b.npz", valid(), false);
        out = Files.createDirectory(dir.resolve("folder.npz"));
        assertNames(weights(in), "--out", "folder.npz", "folder");
    }

    @Test
    void failingMetricsWriteLeavesNoOutNpz() throws IOException {
        Path in = write("b.npz", valid(), false);
        Path metricsDir = Files.createDirectory(outDir.resolve("metrics.json"));
        Files.writeString(metricsDir.resolve("keep"), "x");
        String line = refusedKeeping(in, metricsDir);
        assertNames(line, "--metrics", "metrics.json");
        assertFalse(Files.exists(out), "no out.npz");
    }

    /** As {@link #refused} but the out folder holds the metrics folder, which must survive untouched. */
    private String refusedKeeping(Path in, Path metricsDir) throws IOException {
        CommandLineTest.Run r = CommandLineTest.jackpot("weights", "--in", in.toString(), "--out", out.toString(),
                "--metrics", metricsDir.toString());
        assertEquals(1, r.status, r.err);
        assertEquals(1, r.err.lines().count(), r.err);
        try (Stream<Path> left = Files.list(outDir)) {
            assertEquals(List.of(metricsDir), left.toList(), "only the pre-existing folder");
        }
        assertTrue(Files.exists(metricsDir.resolve("keep")));
        return r.err.trim();
    }

    @Test
    void bigEndianFloatsAreRefused() throws IOException {
        float[] lp = (float[]) CommandLineTest.arrays().get("log_probs");
        Path in = withArray("be.npz", "log_probs", NpzBytes.npy(">f4", false, new long[] {B, T},
                NpzBytes.f4BigEndian(lp)), false);
        assertNames(weights(in), "`log_probs`", "'>f4'", "big-endian", "allowed", "'<f4'", in.toString());
    }

    @Test
    void float16LogProbsAreRefused() throws IOException {
        Path in = withArray("f16.npz", "log_probs", NpzBytes.npy("<f2", false, new long[] {B, T},
                new byte[2 * B * T]), true);
        assertNames(weights(in), "`log_probs`", "'<f2'", "float16", "float32");
    }

    @Test
    void uint8IdsAreRefused() throws IOException {
        Path in = withArray("u8.npz", "rollout_topk_ids", NpzBytes.npy("|u1", false, new long[] {B, T, K},
                new byte[B * T * K]), false);
        assertNames(weights(in), "`rollout_topk_ids`", "'|u1'", "uint8", "int32 ('<i4'), int64 ('<i8')");
    }

    @Test
    void uint64IdsAreRefused() throws IOException {
        Path in = withArray("u64.npz", "target_topk_ids", NpzBytes.npy("<u8", false, new long[] {B, T, K},
                new byte[8 * B * T * K]), true);
        assertNames(weights(in), "`target_topk_ids`", "'<u8'", "uint64");
    }

    @Test
    void floatIdsAndIntLogProbsAreRefused() throws IOException {
        Path in = withArray("fid.npz", "rollout_topk_ids", NpzBytes.npy("<f4", false, new long[] {B, T, K},
                new byte[4 * B * T * K]), false);
        assertNames(weights(in), "`rollout_topk_ids`", "'<f4'");
        in = withArray("ilp.npz", "advantages", NpzBytes.npy("<i8", false, new long[] {B, T},
                new byte[8 * B * T]), false);
        assertNames(weights(in), "`advantages`", "'<i8'", "float32 ('<f4'), float64 ('<f8')");
    }

    @Test
    void fortranOrderIsRefused() throws IOException {
        Path in = withArray("fo.npz", "advantages", NpzBytes.npy("<f4", true, new long[] {B, T},
                NpzBytes.f4((float[]) CommandLineTest.arrays().get("advantages"))), false);
        assertNames(weights(in), "`advantages`", "Fortran");
    }

    @Test
    void duplicateEntryNamesAreRefused() throws IOException {
        Map<String, byte[]> a = valid();
        List<NpzBytes.Entry> entries = new ArrayList<>();
        a.forEach((n, npy) -> entries.add(new NpzBytes.Entry(n + ".npy", npy)));
        float[] other = ((float[]) CommandLineTest.arrays().get("log_probs")).clone();
        Arrays.fill(other, -0.5f);
        entries.add(new NpzBytes.Entry("log_probs.npy", NpzBytes.npy("<f4", false, new long[] {B, T},
                NpzBytes.f4(other))));
        for (boolean deflate : new boolean[] {false, true}) {
            Path in = write("dup.npz", NpzBytes.zip(entries, deflate));
            assertNames(weights(in), "`log_probs.npy`", "twice", in.toString());
        }
    }

    @Test
    void truncatedArrayDataIsRefused() throws IOException {
        byte[] full = NpzBytes.npy("<f4", false, new long[] {B, T},
                NpzBytes.f4((float[]) CommandLineTest.arrays().get("old_log_probs")));
        for (boolean deflate : new boolean[] {false, true}) {
            Path in = withArray("cut.npz", "old_log_probs", Arrays.copyOf(full, full.length - 5), deflate);
            assertNames(weights(in), "`old_log_probs`", "cut short", "48 bytes");
            // the header itself cut short
            in = withArray("cuth.npz", "old_log_probs", Arrays.copyOf(full, 40), deflate);
            assertNames(weights(in), "`old_log_probs`");
        }
        // too much data is refused too
        byte[] longer = Arrays.copyOf(full, full.length + 4);
        assertNames(weights(withArray("long.npz", "old_log_probs", longer, false)), "`old_log_probs`", "52");
    }

    @Test
    void shapeThatDisagreesIsNamed() throws IOException {
        Path in = withArray("shape.npz", "advantages", NpzBytes.npy("<f4", false, new long[] {B, T + 1},
                new byte[4 * B * (T + 1)]), false);
        assertNames(weights(in), "`advantages`", "[3, 5]", "[3, 4]");
        in = withArray("shapek.npz", "target_topk_log_probs", NpzBytes.npy("<f4", false, new long[] {B, T, K + 1},
                new byte[4 * B * T * (K + 1)]), false);
        assertNames(weights(in), "`target_topk_log_probs`", "[3, 4, 4]");
        in = withArray("shape1.npz", "log_probs", NpzBytes.npy("<f4", false, new long[] {B * T},
                new byte[4 * B * T]), false);
        assertNames(weights(in), "`log_probs`", "[B,T]");
    }

    @Test
    void missingRequiredArrayIsNamed() throws IOException {
        for (String name : new String[] {"old_log_probs", "advantages", "target_log_probs_at_rollout_topk"}) {
            Map<String, byte[]> a = valid();
            a.remove(name);
            Path in = write("missing.npz", a, true);
            assertNames(weights(in), "`" + name + "`", in.toString());
        }
    }

    @Test
    void unknownArrayIsNamed() throws IOException {
        Map<String, byte[]> a = valid();
        a.put("logprobs", a.remove("log_probs"));
        Path in = write("unknown.npz", a, false);
        assertNames(weights(in), "`logprobs`", "did you mean `log_probs`");
    }

    @Test
    void missingStepIsRefusedWithAHint() throws IOException {
        Map<String, byte[]> a = valid();
        a.remove("step");
        Path in = write("nostep.npz", a, false);
        assertNames(weights(in), "--step", "step", in.toString());
    }

    @Test
    void conflictingAndBadStepsAreRefused() throws IOException {
        Path in = write("b.npz", valid(), false);
        assertNames(weights(in, "--step", "8"), "--step 8", "`step`", "(7)");
        assertNames(misused(in, "weights", "--in", in.toString(), "--out", out.toString(), "--step", "-1"), "--step",
                "must be >= 0");
        assertNames(misused(in, "weights", "--in", in.toString(), "--out", out.toString(), "--step", "one"), "--step",
                "'one'", "not a whole number");
        assertNames(misused(in, "weights", "--in", in.toString(), "--out", out.toString(), "--sequence-offset", "-3"),
                "--sequence-offset", "-3");
        Map<String, byte[]> a = valid();
        a.put("step", NpzBytes.npy("<i8", false, new long[] {2}, NpzBytes.i8(new long[] {1, 2})));
        assertNames(weights(write("s2.npz", a, false)), "`step`", "scalar");
        a.put("step", NpzBytes.scalar(-4));
        assertNames(weights(write("sneg.npz", a, false)), "`step`", "-4");
        a.put("step", NpzBytes.npy("<f8", false, new long[0], NpzBytes.f8(new float[] {3})));
        assertNames(weights(write("sf.npz", a, false)), "`step`", "'<f8'");
    }

    @Test
    void badTargetAcceptanceIsNamed() throws IOException {
        Path in = write("b.npz", valid(), false);
        for (String v : new String[] {"NaN", "nan", "Infinity", "-Infinity", "1.5", "0", "-0.2", "abc", ""}) {
            assertNames(misused(in, "budget", "--in", in.toString(), "--target-acceptance", v),
                    "--target-acceptance", "'" + v + "'");
        }
    }

    @Test
    void badSetValuesAreNamed() throws IOException {
        Path in = write("b.npz", valid(), false);
        assertNames(weights(in, "--set", "jackpot_lambda=NaN"), "jackpot_lambda");
        assertNames(weights(in, "--set", "jackpot_lambda=-1"), "jackpot_lambda");
        assertNames(weights(in, "--set", "jackpot_log_probs_to_keep=5"), "k = 3");
    }

    @Test
    void calibrateHugeVocabIsRefusedUpFront() throws IOException {
        String line = misused(null, "calibrate", "--vocab", "2000000000", "--out", outDir.resolve("c").toString());
        assertNames(line, "--vocab", "2000000000", String.valueOf(CalibrateCommand.MAX_VOCAB));
        assertNames(misused(null, "calibrate", "--vocab", "1", "--out", outDir.resolve("c").toString()), "--vocab");
        assertNames(misused(null, "calibrate", "--vocab", "99999999999999999999"), "--vocab");
        Path file = Files.writeString(dir.resolve("afile"), "x");
        assertNames(refused(file, "calibrate", "--vocab", "50", "--out", file.toString()), "--out", "afile");
    }

    @Test
    void garbageFilesAreOneLineNamingTheFile() throws IOException {
        Path empty = write("empty.npz", new byte[0]);
        assertNames(weights(empty), empty.toString());
        Path text = write("text.npz", "not a zip at all\n".getBytes());
        assertNames(weights(text), text.toString());
        Path folder = Files.createDirectory(dir.resolve("folder-in.npz"));
        assertNames(weights(folder), folder.toString(), "folder");
        Path none = dir.resolve("absent.npz");
        assertNames(weights(none), none.toString(), "no such file");
        Path zipOfNothing = write("none.npz", NpzBytes.zip(List.of(), false));
        assertNames(weights(zipOfNothing), zipOfNothing.toString());
    }

    @Test
    void malformedNpyEntriesAreNamed() throws IOException {
        byte[] data = NpzBytes.f4((float[]) CommandLineTest.arrays().get("advantages"));
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("magic", "NOTNPY".getBytes());
        cases.put("version 4", NpzBytes.npy(4, NpzBytes.dict("<f4", false, new long[] {B, T}), data));
        cases.put("malformed", NpzBytes.npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4", data));
        cases.put("keys", NpzBytes.npy(1, "{'descr': '<f4', 'shape': (3, 4), }", data));
        cases.put("structured", NpzBytes.npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3, 4), }",
                data));
        cases.put("object", NpzBytes.npy(1, NpzBytes.dict("|O", false, new long[] {B, T}), data));
        cases.put("negative", NpzBytes.npy(1, NpzBytes.dict("<f4", false, new long[] {-3, -4}), data));
        cases.put("overflow", NpzBytes.npy(1, NpzBytes.dict("<f4", false,
                new long[] {1L << 40, 1L << 40}), data));
        cases.put("header length", Arrays.copyOf(NpzBytes.npy("<f4", false, new long[] {B, T}, data), 9));
        Map<String, String> says = Map.of("magic", "magic", "version 4", "version 4", "malformed", "malformed",
                "keys", "keys", "structured", "structured", "object", "'|O'", "negative", "negative",
                "overflow", "more than", "header length", "cut short");
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            Path in = withArray("bad-" + c.getKey().replace(' ', '-') + ".npz", "advantages", c.getValue(), false);
            assertNames(weights(in), "`advantages`", says.get(c.getKey()));
        }
    }

    @Test
    void entryThatIsNotNpyIsNamed() throws IOException {
        List<NpzBytes.Entry> entries = new ArrayList<>();
        valid().forEach((n, npy) -> entries.add(new NpzBytes.Entry(n + ".npy", npy)));
        entries.add(new NpzBytes.Entry("notes.txt", "hello".getBytes()));
        Path in = write("txt.npz", NpzBytes.zip(entries, false));
        assertNames(weights(in), "`notes.txt`");
    }

    @Test
    void corruptEntryFailsItsCrc() throws IOException {
        byte[] zip = NpzBytes.npz(valid(), false);
        // flip a data byte of the first entry (its .npy data starts after the 30 + name local header and 128-byte .npy header)
        int at = 30 + "response_mask.npy".length() + 128 + 3;
        zip[at] ^= 0x40;
        Path in = write("crc.npz", zip);
        assertNames(weights(in), "`response_mask`", "CRC");
    }

    @Test
    void badValuesInsideArraysAreNamed() throws IOException {
        float[] lp = ((float[]) CommandLineTest.arrays().get("log_probs")).clone();
        lp[5] = Float.NaN;
        Path in = withArray("nan.npz", "log_probs", NpzBytes.npy("<f4", false, new long[] {B, T}, NpzBytes.f4(lp)),
                false);
        assertNames(weights(in), "log_probs", in.toString());
        float[] mask = ((float[]) CommandLineTest.arrays().get("response_mask")).clone();
        mask[0] = 2;
        in = withArray("mask.npz", "response_mask", NpzBytes.npy("<f4", false, new long[] {B, T},
                NpzBytes.f4(mask)), false);
        assertNames(weights(in), "response_mask");
    }

    @Test
    void unexpectedExceptionsAreOneLineToo() {
        CommandLineTest.Run r = CommandLineTest.jackpot((String) null);
        assertEquals(1, r.status, r.err);
        assertEquals(1, r.err.lines().count(), r.err);
        assertTrue(r.err.startsWith("jackpot: error: internal error: java.lang.NullPointerException"), r.err);
    }

    @Test
    void anUnwritableOutputFolderIsNamed() throws IOException {
        // /proc refuses new files even to root (the CI user), unlike a folder without write permission
        Path in = write("b.npz", valid(), false);
        out = Path.of("/proc/jackpot-r.npz");
        assertNames(weights(in), "cannot write", "jackpot-r.npz");
        assertFalse(Files.exists(out));
    }

    @Test
    void budgetRefusesTheSameFiles() throws IOException {
        Path in = withArray("be.npz", "log_probs", NpzBytes.npy(">f4", false, new long[] {B, T}, new byte[4 * B * T]),
                false);
        assertNames(refused(in, "budget", "--in", in.toString(), "--target-acceptance", "0.5"), "`log_probs`", "'>f4'");
        Path ok = write("ok.npz", valid(), false);
        assertNames(refused(ok, "budget", "--in", ok.toString(), "--target-acceptance", "0.5", "--step", "3"),
                "--step 3", "(7)");
    }
}
