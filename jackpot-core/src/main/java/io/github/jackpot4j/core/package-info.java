/**
 * The pure-Java Jackpot core: configuration ({@link io.github.jackpot4j.core.JackpotConfig}), tensor
 * views over caller memory ({@link io.github.jackpot4j.core.FloatView}, {@link io.github.jackpot4j.core.IdView},
 * {@link io.github.jackpot4j.core.JackpotBatch}), the computation
 * ({@link io.github.jackpot4j.core.Jackpot}) and its result ({@link io.github.jackpot4j.core.JackpotResult}).
 * Every formula is the one of {@code MATH.md}; {@code docs/math.md} maps classes to its sections.
 */
package io.github.jackpot4j.core;
