package io.github.jackpot4j.examples.cli;

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

    String get(String name, String fallback) {
        List<String> v = values.get(name);
        return v == null ? fallback : v.get(v.size() - 1);
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

    double number(String name, double fallback) {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " = '" + v + "' is not a number");
        }
    }

    int integer(String name, int fallback) {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " = '" + v + "' is not a whole number");
        }
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
