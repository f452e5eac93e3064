package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * The optimized kernel against the frozen copy of the kernel before the speed work of issue 12
 * ({@link ReferenceJackpot}) on random batches and random configurations of every option (≥ 48
 * configurations per property). The only numerical change is the union normalizer's exponential
 * ({@link FastExp}, within 1 ulp of {@code Math.exp}; docs/math.md §4, "Decision — the normalizer's
 * exponential"), so the documented bound is: the rejection masks, union sizes and every count are
 * identical; every float32 output is within 1 float ulp; every double output (loss, κ, statistics,
 * metrics) within a relative 1e-12 of the reference.
 */
class KernelEquivalenceTest {
    @Test
    void optimizedKernelEqualsTheReference() {
        AtomicInteger configurations = new AtomicInteger();
        Generators.qt(0x5EED_1201L, 96)
                .forAll(Generators.specs(12, 40, 5, 60), Generators.configs(), Generate.enumValues(SyntheticRollouts.Inputs.class))
                .checkAssert((spec, config0, mode) -> {
                    SyntheticRollouts g = spec.generate();
                    JackpotConfig config = Generators.withTopK(config0, g.k);
                    JackpotBatch batch = g.batch(config.target(), mode);
                    JackpotResult reference = ReferenceJackpot.compute(config, batch);
                    JackpotResult optimized = Results.compute(config, batch, null, Execution.sequential());
                    assertNull(firstDifferenceBeyondBound(reference, optimized),
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
                                (seed, k, m, b) -> SyntheticRollouts.builder().seed(seed).batchSize(b).length(24).vocabSize(k * m).topK(k)
                                        .logitScale(2.0).mismatch(1.0).padFraction(0.3).maskedProb(0.05).spec()),
                        Generators.configs(), Generate.enumValues(SyntheticRollouts.Inputs.class))
                .checkAssert((spec, config0, mode) -> {
                    SyntheticRollouts g = spec.generate();
                    JackpotConfig config = Generators.withTopK(config0, g.k);
                    JackpotBatch batch = g.batch(config.target(), mode);
                    JackpotResult reference = ReferenceJackpot.compute(config, batch);
                    JackpotResult optimized = Results.compute(config, batch, null, Execution.sequential());
                    assertNull(firstDifferenceBeyondBound(reference, optimized),
                            () -> spec + ", " + config + ", mode=" + mode + ": differs from the reference kernel");
                    configurations.incrementAndGet();
                });
        org.junit.jupiter.api.Assertions.assertTrue(configurations.get() >= 48, configurations + " configurations");
    }

    /** The first output outside the documented bound, or null. */
    static String firstDifferenceBeyondBound(JackpotResult a, JackpotResult b) {
        if (!java.util.Arrays.equals(a.acceptMask(), b.acceptMask())) {
            return "acceptMask differs at " + java.util.Arrays.mismatch(a.acceptMask(), b.acceptMask());
        }
        String[] names = {"weights", "zApprox", "z", "perTokenLoss", "gradLogProbs"};
        float[][] left = {a.weights(), a.zApprox(), a.z(), a.perTokenLoss(), a.gradLogProbs()};
        float[][] right = {b.weights(), b.zApprox(), b.z(), b.perTokenLoss(), b.gradLogProbs()};
        for (int i = 0; i < names.length; i++) {
            for (int t = 0; t < left[i].length; t++) {
                float x = left[i][t];
                float y = right[i][t];
                if (Float.compare(x, y) != 0 && !(Math.abs(x - y) <= Math.ulp(Math.max(Math.abs(x), Math.abs(y))))) {
                    return names[i] + "[" + t + "]: " + x + " vs " + y + " (more than 1 float ulp)";
                }
            }
        }
        if (!close(a.loss(), b.loss())) {
            return "loss: " + a.loss() + " vs " + b.loss();
        }
        if (!close(a.kappa(), b.kappa())) {
            return "kappa: " + a.kappa() + " vs " + b.kappa();
        }
        double[] sa = a.statistics().toArray();
        double[] sb = b.statistics().toArray();
        for (int i = 0; i < sa.length; i++) {
            if (!close(sa[i], sb[i])) {
                return "statistics: " + a.statistics() + " vs " + b.statistics();
            }
        }
        for (JackpotMetric m : JackpotMetric.values()) {
            if (!close(a.metric(m), b.metric(m))) {
                return m.key() + ": " + a.metric(m) + " vs " + b.metric(m);
            }
        }
        return null;
    }

    private static boolean close(double x, double y) {
        return Double.compare(x, y) == 0 || Math.abs(x - y) <= 1e-12 * Math.max(Math.abs(x), Math.abs(y));
    }
}
