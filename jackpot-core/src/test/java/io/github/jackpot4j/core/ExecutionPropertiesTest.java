package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * Row scheduling never changes a result (MATH.md §3, {@link Execution}): sequential, parallel on a
 * 3-thread pool, and auto give the same arrays, loss, κ, statistics and metrics bit for bit; a result
 * object reused across computations is fully overwritten.
 */
class ExecutionPropertiesTest {
    private static ForkJoinPool pool;

    @BeforeAll
    static void startPool() {
        pool = new ForkJoinPool(3);
    }

    @AfterAll
    static void stopPool() {
        pool.shutdownNow();
    }

    @Test
    void parallelEqualsSequentialBitForBit() {
        Generators.qt(0x5EED_0801L, 250)
                .forAll(Generators.specs(40, 16, 5, 30), Generators.configs(), Generate.enumValues(SyntheticRollouts.Inputs.class))
                .checkAssert((spec, config0, mode) -> {
                    SyntheticRollouts g = spec.generate();
                    JackpotConfig config = Generators.withTopK(config0, g.k);
                    JackpotBatch batch = g.batch(config.target(), mode);
                    String where = spec + ", " + config + ", mode=" + mode;
                    JackpotResult sequential = Results.compute(config, batch, null, Execution.sequential());
                    JackpotResult parallel = Results.compute(config, batch, null, Execution.parallel(pool));
                    assertNull(Results.firstDifference(sequential, parallel), () -> where + ": parallel differs");
                    JackpotResult auto = Results.compute(config, batch, null, Execution.auto());
                    assertNull(Results.firstDifference(sequential, auto), () -> where + ": auto differs");
                });
    }

    @Test
    void reusedResultIsFullyOverwritten() {
        // Fill a result with another configuration's outputs (and another mode's scratch), then
        // recompute into it: every output must equal a fresh computation.
        Generators.qt(0x5EED_0802L, 200)
                .forAll(Generators.specs(12, 12, 5, 30), Generators.configs(), Generators.configs(),
                        Generate.enumValues(SyntheticRollouts.Inputs.class))
                .checkAssert((spec, first0, second0, mode) -> {
                    SyntheticRollouts g = spec.generate();
                    JackpotConfig first = Generators.withTopK(first0, g.k);
                    JackpotConfig second = Generators.withTopK(second0, g.k);
                    SyntheticRollouts.Inputs otherMode = SyntheticRollouts.Inputs.values()[(mode.ordinal() + 1) % 3];
                    JackpotResult reused = JackpotResult.allocate(g.batchSize, g.length);
                    Jackpot.compute(first, g.batch(first.target(), otherMode), null, reused,
                            Execution.parallel(pool));
                    JackpotBatch batch = g.batch(second.target(), mode);
                    Jackpot.compute(second, batch, null, reused, Execution.parallel(pool));
                    JackpotResult fresh = Results.compute(second, batch, null, Execution.sequential());
                    assertNull(Results.firstDifference(fresh, reused),
                            () -> spec + ", first " + first + " (mode " + otherMode + "), then " + second + ", mode=" + mode);
                });
    }
}
