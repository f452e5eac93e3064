package io.github.jackpot4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** All-or-nothing outputs: a failure at any point leaves neither temporary files nor this run's outputs. */
class AtomicOutputsTest {
    @TempDir
    Path dir;

    List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void commitMovesEveryOutputInPlace() throws IOException {
        try (AtomicOutputs o = new AtomicOutputs()) {
            o.stage(dir.resolve("a.txt"), out -> out.write("A".getBytes(StandardCharsets.UTF_8)));
            o.stage(dir.resolve("b.txt"), out -> out.write("B".getBytes(StandardCharsets.UTF_8)));
            assertEquals(2, names().size(), "two temporary files, no output yet");
            assertFalse(Files.exists(dir.resolve("a.txt")));
            o.commit();
        }
        assertEquals(List.of("a.txt", "b.txt"), names());
        assertEquals("A", Files.readString(dir.resolve("a.txt")));
    }

    @Test
    void aFailingMoveRemovesTheOutputsAlreadyMoved() throws IOException {
        Path blocked = Files.createDirectory(dir.resolve("b.txt"));
        Files.writeString(blocked.resolve("inside"), "keep");
        IOException e;
        try (AtomicOutputs o = new AtomicOutputs()) {
            o.stage(dir.resolve("a.txt"), out -> out.write(1));
            o.stage(blocked, out -> out.write(2));
            e = assertThrows(IOException.class, o::commit);
        }
        assertTrue(e.getMessage().contains("b.txt"), e.getMessage());
        assertEquals(List.of("b.txt"), names(), "a.txt was moved, then removed; no temporary file");
        assertEquals("keep", Files.readString(blocked.resolve("inside")));
    }

    @Test
    void aWriteCutShortLeavesNothing() throws IOException {
        try (AtomicOutputs o = new AtomicOutputs()) {
            o.stage(dir.resolve("a.txt"), out -> out.write(1));
            IOException e = assertThrows(IOException.class, () -> o.stage(dir.resolve("b.txt"), out -> {
                out.write(new byte[100]);
                throw new IOException("No space left on device");
            }));
            assertTrue(e.getMessage().contains("b.txt") && e.getMessage().contains("No space left"), e.getMessage());
        }
        assertEquals(List.of(), names());
    }

    @Test
    void sameFileIsDetectedThroughLinksAndDots() throws IOException {
        Path f = Files.writeString(dir.resolve("f"), "x");
        assertTrue(AtomicOutputs.same(f, dir.resolve("sub/../f")));
        assertTrue(AtomicOutputs.same(f, Files.createSymbolicLink(dir.resolve("l"), f)));
        assertTrue(AtomicOutputs.same(f, Files.createLink(dir.resolve("h"), f)));
        assertFalse(AtomicOutputs.same(f, dir.resolve("g")));
    }
}
