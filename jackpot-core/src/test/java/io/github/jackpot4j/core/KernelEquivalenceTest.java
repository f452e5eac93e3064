package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * The optimized kernel against the frozen copy of the kernel before the speed work of issue 12
 * ({@link ReferenceJackpot}) on random batches and random configurations of every option (≥ 48
 * configurations per property): the same outputs bit for bit.
 */
class KernelEquivalenceTest {
    @Test
    void optimizedKernelEqualsTheReference() {
        AtomicInteger configurations = new AtomicInteger();
        Generators.qt(0x5EED_1201L, 96)
                .forAll(Generators.specs(12, 40, 5, 60), Generators.configs(), Generate.enumValues(RandomBatches.Mode.class))
                .checkAssert((spec, config0, mode) -> {
                    RandomBatches.Generated g = RandomBatches.generate(spec);
                    JackpotConfig config = Generators.withTopK(config0, g.topK);
                    JackpotBatch batch = RandomBatches.build(g, config.target(), mode);
                    JackpotResult reference = ReferenceJackpot.compute(config, batch);
                    JackpotResult optimized = RandomBatches.compute(config, batch, null, Execution.sequential());
                    assertNull(RandomBatches.firstDifference(reference, optimized),
                            () -> spec + ", " + config + ", mode=" + mode + ": differs from the reference kernel");
                    configurations.incrementAndGet();
                });
        org.junit.jupiter.api.Assertions.assertTrue(configurations.get() >= 48, configurations + " configurations");
    }

    /** Long lists (k in [9, 64], as in production: 20 or 64) over vocabularies of k to 4k ids. */
    @Test
    void optimizedKernelEqualsTheReferenceForLongLists() {
        AtomicInteger configurations = new AtomicInteger();
        Generators.qt(0x5EED_1202L, 48)
                .forAll(longs().all().zip(integers().between(9, 64), integers().between(1, 4), integers().between(1, 6),
                                (seed, k, m, b) -> new RandomBatches.Spec(seed, b, 24, k * m, k, 2.0, 1.0, 0.3, 0.05)),
                        Generators.configs(), Generate.enumValues(RandomBatches.Mode.class))
                .checkAssert((spec, config0, mode) -> {
                    RandomBatches.Generated g = RandomBatches.generate(spec);
                    JackpotConfig config = Generators.withTopK(config0, g.topK);
                    JackpotBatch batch = RandomBatches.build(g, config.target(), mode);
                    JackpotResult reference = ReferenceJackpot.compute(config, batch);
                    JackpotResult optimized = RandomBatches.compute(config, batch, null, Execution.sequential());
                    assertNull(RandomBatches.firstDifference(reference, optimized),
                            () -> spec + ", " + config + ", mode=" + mode + ": differs from the reference kernel");
                    configurations.incrementAndGet();
                });
        org.junit.jupiter.api.Assertions.assertTrue(configurations.get() >= 48, configurations + " configurations");
    }
}
