package io.github.jackpot4j.examples.demo;

import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.LossAggMode;

import java.util.List;

/** The demo's methods and their loss configurations: the named presets of {@link JackpotConfig} (docs/config.md). */
final class Presets {
    static final List<String> MISMATCH_METHODS = List.of("on-policy", "off-policy", "tis", "no-clip", "jackpot");
    static final List<String> STALE_METHODS = List.of("ppo", "no-clip", "jackpot", "jackpot-no-clip");

    private Presets() {
    }

    /** The methods of a scenario. */
    static List<String> methods(boolean stale) {
        return stale ? STALE_METHODS : MISMATCH_METHODS;
    }

    /** The loss configuration of a method (MATH.md §6 baselines, §7 no-clip, or Jackpot). */
    static JackpotConfig config(String method, int k, long seed, double jackpotLambda) {
        JackpotConfig.Builder preset = switch (method) {
            case "on-policy", "off-policy", "ppo" -> JackpotConfig.ppo();
            case "tis" -> JackpotConfig.tis();
            case "no-clip" -> JackpotConfig.noClip();
            case "jackpot" -> JackpotConfig.jackpot();
            case "jackpot-no-clip" -> JackpotConfig.jackpot().ppoClip(false);
            default -> throw new IllegalArgumentException("method '" + method + "' has no preset");
        };
        return preset.topK(k).seed(seed).lambda(jackpotLambda).lossAggMode(LossAggMode.SEQ_MEAN_TOKEN_MEAN).build();
    }
}
