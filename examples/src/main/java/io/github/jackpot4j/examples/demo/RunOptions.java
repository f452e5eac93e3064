package io.github.jackpot4j.examples.demo;

import io.github.jackpot4j.examples.cli.Values;

import java.nio.file.Path;
import java.util.Map;

import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The options {@code jackpot demo} and {@code jackpot sweep} share: how long a run is, how many seeds
 * and where the outputs go. Each command gives its own defaults ({@link Defaults}).
 */
final class RunOptions {
    @Option(names = "--steps", paramLabel = "N", converter = Values.Positive.class, order = 1,
            description = "updates per run (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--seeds", paramLabel = "N", converter = Values.Positive.class, order = 2,
            description = "runs per method with seeds 1..N (default ${DEFAULT-VALUE})")
    int seeds;

    @Option(names = "--out", paramLabel = "DIR", order = 3, description = "output directory (default ${DEFAULT-VALUE})")
    Path out;

    /** A command's defaults of these options. */
    abstract static class Defaults implements IDefaultValueProvider {
        private final Map<String, String> values;

        Defaults(int steps, int seeds, String out) {
            values = Map.of("--steps", Integer.toString(steps), "--seeds", Integer.toString(seeds), "--out", out);
        }

        @Override
        public String defaultValue(ArgSpec argument) {
            return argument instanceof OptionSpec option ? values.get(option.longestName()) : null;
        }
    }
}
