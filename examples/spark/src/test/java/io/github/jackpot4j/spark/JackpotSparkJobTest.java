package io.github.jackpot4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The command line: generate, score and reference agree; bad logs exit 1, bad flags 2. */
class JackpotSparkJobTest {
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        SparkTestSupport.spark(); // the commands use the active session and leave it running
        dir = Files.createTempDirectory("jackpot-spark-cli");
    }

    @AfterAll
    static void clean() throws Exception {
        SparkTestSupport.deleteTree(dir);
    }

    /** Runs the command, returning {exit code, stdout, stderr}. */
    static String[] run(String... args) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            code = JackpotSparkJob.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8),
            e.toString(StandardCharsets.UTF_8)};
    }

    static String lambda(String output) {
        Matcher m = Pattern.compile("lambda = ([0-9.eE+-]+)").matcher(output);
        assertTrue(m.find(), output);
        return m.group(1);
    }

    @Test
    void generateScoreAndReferenceAgree() throws Exception {
        String log = dir.resolve("log.parquet").toString();
        String[] g = run("generate", "--sequences", "30", "--length", "5", "--k", "2", "--step", "2", "--out", log,
                "--partitions", "2");
        assertEquals("0", g[0], g[2]);
        assertTrue(g[1].contains("wrote 30 sequences (T = 5, k = 2, step 2)"), g[1]);
        String out = dir.resolve("scored").toString();
        String[] s = run("score", "--in", log, "--out", out, "--target-acceptance", "0.7", "--partitions", "3",
                "--set", "jackpot_seed=9");
        assertEquals("0", s[0], s[2]);
        assertTrue(Files.exists(Path.of(out, "metrics.json")));
        assertTrue(Files.readString(Path.of(out, "metrics.json")).contains("\"jackpot_seed\": \"9\""));
        String[] r = run("reference", "--in", log, "--target-acceptance", "0.7", "--set", "jackpot_seed=9");
        assertEquals("0", r[0], r[2]);
        assertEquals(lambda(r[1]), lambda(s[1]), "the same λ printed by score and reference");
        String[] again = run("score", "--in", log, "--out", out);
        assertEquals("2", again[0]);
        assertTrue(again[2].contains("already exists"), again[2]);
    }

    @Test
    void badLogExitsOneWithOneLine() throws Exception {
        String log = dir.resolve("bad.parquet").toString();
        SparkTestSupport.spark().createDataFrame(
                SparkTestSupport.rows(new SyntheticRolloutLog(1, 0, 3, 2, 0.5), 5), RolloutLog.SCHEMA)
                .drop(RolloutLog.K).write().parquet(log);
        String out = dir.resolve("bad-out").toString();
        String[] s = run("score", "--in", log, "--out", out);
        assertEquals("1", s[0]);
        assertTrue(s[2].startsWith("jackpot-spark: column 'k' is missing"), s[2]);
        assertFalse(Files.exists(Path.of(out)));
    }

    @Test
    void badFlagsExitTwo() throws Exception {
        assertEquals("2", run("frobnicate")[0]);
        assertEquals("2", run("score", "--in")[0]);
        assertEquals("2", run("generate", "--sequences", "many", "--out", dir.resolve("x").toString())[0]);
        assertEquals("2", run("score", "--in", "a", "--out", dir.resolve("y").toString(), "--bogus", "1")[0]);
        assertEquals("2", run("score", "--in", "a", "--out", dir.resolve("z").toString(), "--set", "nonsense")[0]);
        String[] help = run("--help");
        assertEquals("0", help[0]);
        assertTrue(help[1].contains("usage: jackpot-spark generate"));
    }
}
