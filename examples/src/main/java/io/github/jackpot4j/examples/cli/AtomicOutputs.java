package io.github.jackpot4j.examples.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The output files of one command run, written all-or-nothing. Each output is first written to a
 * temporary file in its own folder ({@link #stage}); {@link #commit} then moves every temporary file
 * onto its target with {@code ATOMIC_MOVE}. If anything fails - a write, a move - every temporary
 * file and every output already moved by this run is deleted, so a failed run leaves no output behind
 * (a reader never sees a half-written file, and never mistakes an old file for this run's result).
 */
final class AtomicOutputs implements AutoCloseable {
    /** Writes one output's content. */
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private final Map<Path, Path> staged = new LinkedHashMap<>();
    private final List<Path> moved = new ArrayList<>();
    private boolean committed;

    /**
     * Checks that {@code target} can be an output: its folder exists, it is not a folder itself, it is
     * not one of {@code inputs} (compared after normalizing, and as the same file when both exist) and
     * not the same as another output in {@code others}.
     */
    static void checkTarget(String option, Path target, List<Path> inputs, Map<String, Path> others)
            throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IOException(option + " " + target + ": the output folder " + parent + " does not exist");
        }
        if (Files.isDirectory(abs)) {
            throw new IOException(option + " " + target + " is a folder; give a file name");
        }
        for (Path in : inputs) {
            if (same(abs, in)) {
                throw new IOException(option + " " + target + " is the input file " + in
                        + "; refusing to overwrite the input, choose another output file");
            }
        }
        for (Map.Entry<String, Path> o : others.entrySet()) {
            if (same(abs, o.getValue())) {
                throw new IOException(option + " " + target + " is the same file as " + o.getKey() + " "
                        + o.getValue() + "; give each output its own file");
            }
        }
    }

    /** True when the two paths name the same file: equal once normalized, or the same file on disk. */
    static boolean same(Path a, Path b) throws IOException {
        Path na = a.toAbsolutePath().normalize();
        Path nb = b.toAbsolutePath().normalize();
        return na.equals(nb) || Files.exists(na) && Files.exists(nb) && Files.isSameFile(na, nb);
    }

    /** Writes {@code target}'s content to a temporary file next to it; nothing is visible at {@code target} yet. */
    void stage(Path target, Content content) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IOException(target + ": the output folder " + parent + " does not exist");
        }
        try {
            Path tmp = Files.createTempFile(parent, "." + abs.getFileName() + ".", ".tmp");
            staged.put(abs, tmp);
            try (OutputStream out = Files.newOutputStream(tmp)) {
                content.writeTo(out);
            }
        } catch (IOException e) {
            throw new IOException("cannot write " + target + ": " + message(e), e);
        }
    }

    /** Moves every staged file onto its target; on failure removes what this run wrote and rethrows. */
    void commit() throws IOException {
        for (Map.Entry<Path, Path> e : staged.entrySet()) {
            Path target = e.getKey();
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("cannot write " + target + ": it is a folder");
            }
            try {
                try {
                    Files.move(e.getValue(), target, StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException notAtomic) {
                    Files.move(e.getValue(), target, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException ex) {
                throw new IOException("cannot write " + target + ": " + message(ex), ex);
            }
            moved.add(target);
        }
        committed = true;
    }

    /** After a failed or abandoned run: deletes the temporary files and the outputs this run moved. */
    @Override
    public void close() {
        for (Path tmp : staged.values()) {
            deleteQuietly(tmp);
        }
        if (!committed) {
            for (Path p : moved) {
                deleteQuietly(p);
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the run is already failing with its own message
        }
    }

    /** A one-line reason: a file-system error's kind and reason (its message is often just the path). */
    static String message(IOException e) {
        if (e instanceof java.nio.file.FileSystemException fse) {
            String kind = fse.getClass().getSimpleName().replace("Exception", "")
                    .replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
            return fse.getReason() == null ? kind : kind + ": " + fse.getReason();
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replaceAll("\\s+", " ").trim();
    }
}
