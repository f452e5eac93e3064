package io.github.jackpot4j.examples.demo;

import io.github.jackpot4j.examples.cli.Values;

import java.nio.file.Path;

import picocli.CommandLine.Option;

/**
 * The options {@code jackpot demo} and {@code jackpot sweep} share: how long a run is, how many seeds
 * and where the outputs go. Each command gives its own defaults.
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

    /** The options with a command's defaults (picocli shows and restores a field's initial value). */
    RunOptions(int steps, int seeds, String out) {
        this.steps = steps;
        this.seeds = seeds;
        this.out = Path.of(out);
    }
}
