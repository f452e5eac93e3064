package io.github.jackpot4j.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jackpot4j.examples.JackpotCommand;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jackpot sweep --quick}: the CI smoke run of the mismatch sweep (not timed). */
class SweepTest {
    @TempDir
    Path dir;

    @Test
    void quickSweepWritesFiniteOutputsPairedOverSeeds() throws IOException {
        // the default 2 worker JVMs: also checks that the workers start from this classpath
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = JackpotCommand.run(new String[] {"sweep", "--quick", "--out", dir.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8) + printed);
        assertTrue(Files.size(dir.resolve("sweep-reward.png")) > 1000, "the chart is written");
        String md = Files.readString(dir.resolve("sweep.md"));
        assertTrue(printed.contains(md.trim()), "the markdown tables are printed too");
        assertTrue(md.contains("## Paired differences") && md.contains("## Longer horizon"), md);
        assertFalse(md.contains("NaN") || md.contains("Infinity"), md);

        List<String> lines = Files.readAllLines(dir.resolve("sweep-runs.csv"));
        String[] header = lines.get(0).split(",");
        assertEquals("final_reward", header[6]);
        assertEquals("mean_kl_actor_policy", header[9]);
        // quick: 2 levels x 3 methods x 2 seeds + 2 on-policy, and 1 long level x 3 methods x 2 seeds + 2 on-policy
        assertEquals(1 + 14 + 8, lines.size());
        Map<String, Set<String>> seedsByCell = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] c = line.split(",", -1);
            assertEquals(header.length, c.length, line);
            boolean ceiling = c[3].equals("on-policy");
            for (int i = 5; i < c.length; i++) {
                if (ceiling && (i >= 9 && i <= 11)) { // no actor KL for the policy's own rollouts
                    assertEquals("", c[i], line);
                    continue;
                }
                assertTrue(Double.isFinite(Double.parseDouble(c[i])), header[i] + " finite: " + line);
            }
            double reward = Double.parseDouble(c[6]);
            assertTrue(reward >= 0 && reward <= 1, line);
            if (!ceiling) {
                assertTrue(Double.parseDouble(c[9]) >= 0, "KL >= 0: " + line);
                assertTrue(Files.exists(dir.resolve("runs").resolve(c[0] + "-T" + c[2] + "-" + c[3] + "-seed" + c[4]
                        + ".csv")), line);
            }
            seedsByCell.computeIfAbsent(c[0] + "/" + c[1] + "/" + c[3], k -> new TreeSet<>()).add(c[4]);
        }
        for (Map.Entry<String, Set<String>> e : seedsByCell.entrySet()) {
            assertEquals(Set.of("1", "2"), e.getValue(), "every method of every cell runs the same seeds: " + e.getKey());
        }

        // --replot rebuilds the same table from the runs' files without running anything
        String csv = Files.readString(dir.resolve("sweep-runs.csv"));
        Files.delete(dir.resolve("sweep-runs.csv"));
        Files.delete(dir.resolve("sweep.md"));
        ByteArrayOutputStream replotErr = new ByteArrayOutputStream();
        assertEquals(0, JackpotCommand.run(new String[] {"sweep", "--quick", "--replot", "--out", dir.toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(replotErr, true, StandardCharsets.UTF_8)),
                replotErr.toString(StandardCharsets.UTF_8));
        assertEquals(csv, Files.readString(dir.resolve("sweep-runs.csv")));
        assertEquals(md, Files.readString(dir.resolve("sweep.md")));
    }

    @Test
    void tIntervalsUseStudentsQuantiles() {
        assertEquals(12.706, SweepReport.tQuantile975(1), 0.0);
        assertEquals(2.262, SweepReport.tQuantile975(9), 0.0);
        assertEquals(2.021, SweepReport.tQuantile975(40), 0.002);
        assertEquals(1.984, SweepReport.tQuantile975(100), 0.002);
        // 10 values 1..10: mean 5.5, sd 3.0277, half-width 2.262 * 3.0277 / sqrt(10)
        double[] v = new double[10];
        for (int i = 0; i < 10; i++) {
            v[i] = i + 1;
        }
        SweepReport.Interval ci = SweepReport.interval(v);
        assertEquals(5.5, ci.mean(), 1e-12);
        assertEquals(2.262 * Math.sqrt(82.5 / 9) / Math.sqrt(10), ci.half(), 1e-9);
        assertEquals("tie (CI covers 0)", SweepReport.verdict(new SweepReport.Interval(0.1, 0.2, 10), "jackpot", "tis"));
        assertEquals("jackpot ahead", SweepReport.verdict(new SweepReport.Interval(0.3, 0.2, 10), "jackpot", "tis"));
        assertEquals("tis ahead", SweepReport.verdict(new SweepReport.Interval(-0.3, 0.2, 10), "jackpot", "tis"));
    }

    @Test
    void badFlagsGiveOneLineAndExitTwo() {
        for (String[] bad : new String[][] {{"sweep", "--temperatures", "2,1"}, {"sweep", "--temperatures", "0,1"},
                {"sweep", "--seeds", "0"}, {"sweep", "--steps", "3"}, {"sweep", "--long-levels", "9"},
                {"sweep", "--jobs", "x"}, {"sweep", "--frobnicate"}}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = JackpotCommand.run(bad, new PrintStream(new ByteArrayOutputStream()),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(2, status, String.join(" ", bad));
            assertEquals(1, err.toString(StandardCharsets.UTF_8).trim().split("\n").length);
        }
    }
}
