package io.github.jackpot4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * No use-after-free (docs/djl.md, "Memory"): every DJL entry point and a short training loop give
 * bit-identical losses and gradients, and no NaN, whether or not garbage collections and NaN-filled
 * native allocations land between the forward pass and {@code backward}. Runs {@link GcPressureProbe}
 * in two forked JVMs: one calm, one with a small heap, the serial collector and that pressure.
 */
class GcPressureTest {
    private static List<String> probe(String... jvmAndMode) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        for (int i = 0; i < jvmAndMode.length - 1; i++) {
            command.add(jvmAndMode[i]);
        }
        command.add("-Dai.djl.offline=true");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(GcPressureProbe.class.getName());
        command.add(jvmAndMode[jvmAndMode.length - 1]);
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the probe did not finish");
        assertEquals(0, p.exitValue(), "probe " + command + " failed:\n" + out);
        List<String> lines = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.contains(" digest=")) {
                lines.add(line.trim());
            }
        }
        return lines;
    }

    @Test
    void gradientsAreBitIdenticalUnderHeavyGcPressure() throws Exception {
        List<String> calm = probe("-Xmx1g", "calm");
        List<String> pressed = probe("-Xmx96m", "-XX:+UseSerialGC", "pressure");
        assertEquals(9, calm.size(), String.join("\n", calm));
        for (String line : calm) {
            assertTrue(line.endsWith(" nonfinite=0"), line);
        }
        assertEquals(calm, pressed);
    }
}
