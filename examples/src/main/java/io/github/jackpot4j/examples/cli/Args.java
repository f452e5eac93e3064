package io.github.jackpot4j.examples.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small, strict command-line parser: {@code --name value} options (some repeatable), flags, and a
 * one-line {@link UsageException} for anything unknown or missing.
 */
final class Args {
    /** A bad command line: printed as one line, exit status 2. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** A bad option value (not a number, out of range): printed as one line, exit status 1. */
    static final class ValueException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ValueException(String message) {
            super(message);
        }
    }

    /** Prints a usage error as one line and returns exit status 2. */
    static int usage(PrintStream err, String command, UsageException e) {
        err.println("jackpot " + command + ": " + oneLine(e.getMessage()) + " (try --help)");
        return 2;
    }

    /**
     * Prints a bad file, a bad value or any other failure as exactly one line
     * {@code jackpot COMMAND: error: MESSAGE} (never a stack trace) and returns exit status 1.
     */
    static int fail(PrintStream err, String command, Throwable e) {
        err.println("jackpot " + command + ": error: " + describe(e));
        return 1;
    }

    /** A one-line description of a failure: its message, or its kind when it has none. */
    static String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof OutOfMemoryError) {
            return "out of memory (" + (m == null ? "no detail" : oneLine(m)) + "); the input is too large for the"
                    + " Java heap (raise it with java -Xmx...)";
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getFile() != null) {
            return oneLine(fse.getFile() + ": " + AtomicOutputs.message(fse));
        }
        if (m == null || m.isBlank()) {
            return "internal error: " + e.getClass().getName();
        }
        boolean expected = e instanceof java.io.IOException || e instanceof IllegalArgumentException
                || e instanceof ValueException;
        return expected ? oneLine(m) : "internal error: " + e.getClass().getSimpleName() + ": " + oneLine(m);
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("[\\r\\n]+", " ").trim();
    }

    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final boolean help;

    private Args(Map<String, List<String>> values, boolean help) {
        this.values.putAll(values);
        this.help = help;
    }

    /** Parses {@code args}; {@code options} take a value, {@code flags} do not. */
    static Args parse(String[] args, Set<String> options, Set<String> flags) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                help = true;
                continue;
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0 && options.contains(a.substring(0, eq))) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            if (flags.contains(name)) {
                values.computeIfAbsent(name, n -> new ArrayList<>()).add("true");
            } else if (options.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("option " + name + " needs a value");
                    }
                    value = args[++i];
                }
                values.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException("unknown argument '" + a + "'");
            }
        }
        return new Args(values, help);
    }

    boolean help() {
        return help;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The value of a single-valued option; giving it twice is a usage error (which one was meant?). */
    String get(String name, String fallback) {
        List<String> v = values.get(name);
        if (v != null && v.size() > 1) {
            throw new UsageException("option " + name + " is given " + v.size() + " times; give it once");
        }
        return v == null ? fallback : v.get(0);
    }

    String required(String name) {
        String v = get(name, null);
        if (v == null) {
            throw new UsageException("missing required option " + name);
        }
        return v;
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    /**
     * A finite number, or {@code fallback} when the option is absent; anything else (not a number,
     * NaN, ±infinity) is a {@link ValueException} naming the option.
     */
    double number(String name, double fallback) {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        double d;
        try {
            d = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new ValueException(name + " = '" + v + "' is not a number");
        }
        if (!Double.isFinite(d)) {
            throw new ValueException(name + " = '" + v + "' must be a finite number");
        }
        return d;
    }

    /** A whole number in [min, max], or {@code fallback} when the option is absent. */
    long whole(String name, long fallback, long min, long max) {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        long x;
        try {
            x = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new ValueException(name + " = '" + v + "' is not a whole number");
        }
        if (x < min || x > max) {
            throw new ValueException(name + " = " + x + (max == Long.MAX_VALUE ? " must be >= " + min
                    : " must be in [" + min + ", " + max + "]"));
        }
        return x;
    }

    int integer(String name, int fallback) {
        return (int) whole(name, fallback, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** The {@code key=value} pairs of a repeatable {@code --set} option. */
    Map<String, Object> settings(String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String s : all(name)) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new UsageException(name + " '" + s + "' must be key=value, e.g. jackpot_lambda=0.5");
            }
            m.put(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
        }
        return m;
    }
}
