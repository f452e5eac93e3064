package io.github.jackpot4j.examples.cli;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How a {@code jackpot} command fails: always one line on stderr, never a stack trace. A bad command
 * line (an unknown, missing or repeated option, a value that breaks its rule) is
 * {@code jackpot COMMAND: MESSAGE (try --help)} with exit status 2; a bad file or any other failure
 * of the run is {@code jackpot COMMAND: error: MESSAGE} with exit status 1.
 */
public final class Failures {
    private Failures() {
    }

    /** A usage error as one line, with picocli's suggestions; returns exit status 2. */
    public static int usage(ParameterException exception) {
        ParameterException e = exception;
        CommandLine command = e.getCommandLine();
        if (!(e instanceof UnmatchedArgumentException) && !command.getUnmatchedArguments().isEmpty()) {
            e = new UnmatchedArgumentException(command, command.getUnmatchedArguments()); // the first thing to fix
        }
        String message = oneLine(e.getMessage()).replace("option option ", "option ");
        if (e instanceof UnmatchedArgumentException u) {
            List<String> unmatched = u.getUnmatched();
            if (!command.getSubcommands().isEmpty() && !unmatched.isEmpty() && !unmatched.get(0).startsWith("-")) {
                message = "unknown command '" + unmatched.get(0) + "'";
            }
            if (!u.getSuggestions().isEmpty()) {
                message += ", did you mean " + String.join(" or ", u.getSuggestions()) + "?";
            }
        }
        command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + message + " (try --help)");
        return 2;
    }

    /** A failure of the run as one line; returns exit status 1. */
    public static int run(Throwable e, CommandLine command) {
        command.getErr().println(command.getCommandSpec().qualifiedName() + ": error: " + describe(e));
        return 1;
    }

    /** A one-line description of a failure: its message, or its kind when it has none. */
    public static String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof OutOfMemoryError) {
            return "out of memory (" + (m == null ? "no detail" : oneLine(m)) + "); the input is too large for the"
                    + " Java heap (raise it with java -Xmx...)";
        }
        if (e instanceof FileSystemException fse && fse.getFile() != null) {
            return oneLine(fse.getFile() + ": " + AtomicOutputs.message(fse));
        }
        if (m == null || m.isBlank()) {
            return "internal error: " + e.getClass().getName();
        }
        boolean expected = e instanceof IOException || e instanceof IllegalArgumentException;
        return expected ? oneLine(m) : "internal error: " + e.getClass().getName() + ": " + oneLine(m);
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("[\\r\\n]+", " ").trim();
    }
}
