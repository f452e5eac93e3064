package io.github.jackpot4j.core;

import java.util.Locale;

/** The configuration spelling of an option's constant: lower case, '-' for '_' ({@code TOKEN_MEAN} is {@code token-mean}). */
final class ConfigKeys {
    private ConfigKeys() {
    }

    static String of(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
