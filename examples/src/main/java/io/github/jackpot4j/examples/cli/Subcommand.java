package io.github.jackpot4j.examples.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** What every {@code jackpot} command has: {@code -h, --help}, its output, its usage errors. */
public abstract class Subcommand implements Callable<Integer> {
    @Spec
    protected CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, order = 100, description = "show this help and exit")
    boolean help;

    /** Where the command prints. */
    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** A bad command line, found after parsing (exit status 2). */
    protected ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
