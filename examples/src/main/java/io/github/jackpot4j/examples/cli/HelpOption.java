package io.github.jackpot4j.examples.cli;

import picocli.CommandLine.Option;

/** {@code -h, --help} of every {@code jackpot} command: its generated usage, exit status 0. */
public final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, order = 100, description = "show this help and exit")
    boolean help;
}
