package io.github.jackpot4j.examples.cli;

import io.github.jackpot4j.core.JackpotConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options of {@code jackpot weights} and {@code jackpot budget}: the batch file, where it sits in
 * the training (step, sequence offset) and the configuration ({@code --config}, then {@code --set}).
 */
final class BatchOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--in", required = true, paramLabel = "BATCH.npz", order = 1,
            description = "the batch (.npz); never modified")
    Path in;

    @Option(names = "--step", paramLabel = "N", converter = Values.Count.class, order = 10, description = {
        "the trainer's global step of this batch (>= 0): the rejection draws are keyed by it (docs/math.md §3)."
            + " Required by weights with use_jackpot = true unless the file has a scalar `step` array (or `uniforms`);"
            + " if both are given they must agree"})
    Long step;

    @Option(names = "--sequence-offset", paramLabel = "N", converter = Values.Count.class, defaultValue = "0",
            order = 11, description = "the global index of the file's first sequence (default ${DEFAULT-VALUE}),"
                    + " when the file is one micro-batch of a larger batch")
    long sequenceOffset;

    @Option(names = "--config", paramLabel = "FILE.yaml", order = 12, description = {
        "the Jackpot keys of a verl YAML file (read as YAML 1.2: an unquoted 0.5_5 stays \"0.5_5\"); other keys"
            + " of the section are ignored. The section is the top level, actor_rollout_ref.actor or actor,"
            + " whichever has a Jackpot key"})
    Path config;

    @Option(names = "--config-section", paramLabel = "PATH", order = 13,
            description = "the dotted path of the section, e.g. actor_rollout_ref.actor")
    String configSection;

    @Option(names = "--set", paramLabel = "key=value", order = 14, description = {
        "any configuration key (docs/config.md), repeatable; overrides --config"
            + " (jackpot_log_probs_to_keep defaults to the file's k)"})
    Map<String, String> set = new LinkedHashMap<>();

    /** {@code --config} (and its section), then every {@code --set} over it. */
    Map<String, Object> settings() throws IOException {
        Map<String, Object> settings = new LinkedHashMap<>();
        if (config != null) {
            settings.putAll(YamlConfig.read(config, configSection, new ArrayList<>()));
        } else if (configSection != null) {
            throw new ParameterException(command.commandLine(), "--config-section needs --config");
        }
        set.forEach((key, value) -> settings.put(key.trim(), value.trim()));
        return settings;
    }

    /** The configuration of {@code settings}, whose top-k size defaults to the file's k. */
    static JackpotConfig configuration(Map<String, Object> settings, NpzBatch.Loaded arrays) {
        int k = arrays.topK();
        if (k > 0 && !settings.containsKey("jackpot_log_probs_to_keep")) {
            settings.put("jackpot_log_probs_to_keep", k);
        }
        return JackpotConfig.fromMap(settings);
    }
}
