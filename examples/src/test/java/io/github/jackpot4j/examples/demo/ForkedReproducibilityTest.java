package io.github.jackpot4j.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jackpot4j.examples.JackpotCommand;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Same seed, same CSV, even when the garbage collector frees every Java buffer it can right before
 * each backward pass: a short demo of every mismatch method runs in two forked JVMs, one plain and
 * one with {@code -XX:+UseSerialGC -Xmx200m} and the hidden {@code --gc-pressure} hook (System.gc()
 * before every backward and between steps, freed native memory scribbled with NaN bytes). Any tensor
 * still reading a collected buffer (torch::from_blob memory, see TinyLm's memory rule) makes the
 * CSVs differ or contain NaN. Forked JVMs also fix the PyTorch thread count at engine start, which
 * an in-process run cannot guarantee once another test has started the engine.
 */
class ForkedReproducibilityTest {
    @TempDir
    Path dir;

    @Test
    void gcPressureInASmallHeapLeavesEveryCsvByteIdentical() throws Exception {
        Path plain = dir.resolve("plain");
        Path pressured = dir.resolve("pressured");
        run(plain, List.of(), false);
        run(pressured, List.of("-XX:+UseSerialGC", "-Xmx200m"), true);
        for (String method : Presets.MISMATCH_METHODS) {
            String name = "mismatch-" + method + "-seed3.csv";
            String a = Files.readString(plain.resolve(name));
            String b = Files.readString(pressured.resolve(name));
            assertEquals(1 + 6, a.split("\n").length, name);
            assertFalse(a.toLowerCase(Locale.ROOT).contains("nan"), name + " contains NaN:\n" + a);
            assertEquals(a, b, name + " differs under GC pressure");
        }
    }

    private static void run(Path out, List<String> jvmOptions, boolean pressure) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(JackpotCommand.class.getName());
        cmd.addAll(List.of("demo", "--steps", "6", "--seed", "3", "--prompts", "4", "--group", "2",
                "--warmup-actor", "10", "--warmup-policy", "5", "--no-progress", "--out", out.toString()));
        if (pressure) {
            cmd.add("--gc-pressure");
        }
        File log = out.resolveSibling(out.getFileName() + ".log").toFile();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String output = Files.readString(log.toPath(), StandardCharsets.UTF_8);
        assertTrue(done, "the forked demo did not finish in 120 s:\n" + output);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + output);
    }
}
