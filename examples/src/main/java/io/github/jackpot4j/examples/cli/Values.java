package io.github.jackpot4j.examples.cli;

import java.util.function.DoublePredicate;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The rules an option value must follow, one converter per rule. A value that breaks its rule is a
 * usage error (exit status 2) that picocli words as {@code Invalid value for option '--step': -1 must
 * be >= 0}: the option, the value as given and the rule.
 */
public final class Values {
    private Values() {
    }

    /** The most steps, seeds, units, ... a demo option takes: far above any run that ends in a day. */
    static final int MOST = 1_000_000;

    /** Any whole number (a seed). */
    public static final class Whole implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return whole(value, Long.MIN_VALUE, Long.MAX_VALUE);
        }
    }

    /** A whole number >= 0 (a step, an offset, a warm-up length). */
    public static final class Count implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return whole(value, 0, Long.MAX_VALUE);
        }
    }

    /** A whole number in [1, 1,000,000] (steps, seeds, sizes). */
    public static final class Positive implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) whole(value, 1, MOST);
        }
    }

    /** A finite number >= 0 (a learning rate, a weight). */
    public static final class NonNegative implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            return number(value, "finite and >= 0", d -> d >= 0 && Double.isFinite(d));
        }
    }

    /** A finite number > 0 (a budget, a temperature). */
    public static final class PositiveNumber implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            return number(value, "finite and > 0", d -> d > 0 && Double.isFinite(d));
        }
    }

    /** A whole number in [min, max]. */
    public static long whole(String value, long min, long max) {
        long x;
        try {
            x = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
        if (x < min || x > max) {
            throw new TypeConversionException(x + (max == Long.MAX_VALUE ? " must be >= " + min
                    : " must be in [" + min + ", " + max + "]"));
        }
        return x;
    }

    /** A number that passes {@code rule}, named by {@code ruleText} when it does not. */
    public static double number(String value, String ruleText, DoublePredicate rule) {
        double d;
        try {
            d = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a number");
        }
        if (!rule.test(d)) {
            throw new TypeConversionException("'" + value + "' must be " + ruleText);
        }
        return d;
    }
}
