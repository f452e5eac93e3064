package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Split invariance (MATH.md §5, §7): rows of a batch cut at random points into micro-batches (views
 * at offsets, {@code sequenceOffset} = first row), statistics merged — by {@link BatchStatistics#merge}
 * or through {@code toArray} → element-wise sum → {@code fromArray}, as an all-reduce would — and every
 * micro-batch computed with the global statistics gives the whole batch's κ, masks, weights, gradients,
 * and micro-batch losses that add up to the whole batch's loss, for every loss aggregation.
 */
class MicroBatchPropertiesTest {

    /** Seeds of the cut points (see {@link #boundaries}). */
    static Gen<Long> cuts() {
        return longs().all();
    }

    /**
     * Row boundaries 0 = c_0 ≤ c_1 ≤ ... ≤ c_m = B of 1..B micro-batches; equal neighbours make empty
     * micro-batches, which must be harmless.
     */
    static int[] boundaries(int batchSize, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int parts = 1 + random.nextInt(Math.max(1, batchSize));
        int[] bounds = new int[parts + 1];
        for (int i = 1; i < parts; i++) {
            bounds[i] = random.nextInt(batchSize + 1);
        }
        bounds[parts] = batchSize;
        Arrays.sort(bounds);
        return bounds;
    }

    @Test
    void microBatchesWithGlobalStatisticsReproduceTheWholeBatch() {
        Generators.qt(0x5EED_0501L, 400)
                .forAll(Generators.specs(12, 10, 5, 24), Generators.configs(), cuts(),
                        Generate.enumValues(SyntheticRollouts.Inputs.class))
                .checkAssert((spec, config0, cutSeed, mode) -> {
                    SyntheticRollouts g = spec.generate();
                    int[] bounds = boundaries(g.batchSize, cutSeed);
                    for (LossAggMode agg : LossAggMode.values()) {
                        JackpotConfig config = Generators.withTopK(config0, g.k).toBuilder().lossAggMode(agg).build();
                        String where = spec + ", " + config + ", mode=" + mode + ", cuts=" + Arrays.toString(bounds);
                        checkSplit(g, config, mode, bounds, false, where);
                        checkSplit(g, config, mode, bounds, true, where + " (toArray/fromArray)");
                    }
                });
    }

    private static void checkSplit(SyntheticRollouts g, JackpotConfig config, SyntheticRollouts.Inputs mode,
                                   int[] bounds, boolean throughArrays, String where) {
        Target target = config.target();
        JackpotResult whole = Results.compute(config, g.batch(target, mode), null,
                Execution.sequential());
        int parts = bounds.length - 1;
        JackpotBatch[] batches = new JackpotBatch[parts];
        BatchStatistics merged = BatchStatistics.EMPTY;
        double[] summed = new double[BatchStatistics.ARRAY_LENGTH];
        for (int p = 0; p < parts; p++) {
            batches[p] = g.batch(target, mode, bounds[p], bounds[p + 1]);
            BatchStatistics s = Jackpot.statistics(config, batches[p]);
            merged = merged.merge(s);
            double[] a = s.toArray();
            for (int i = 0; i < a.length; i++) {
                summed[i] += a[i];
            }
        }
        BatchStatistics global = throughArrays ? BatchStatistics.fromArray(summed) : merged;
        BatchStatistics own = whole.statistics();
        // Counts are sums of integers (exact); Σa and ΣZapprox are double sums in another order.
        assertEquals(own.validTokens(), global.validTokens(), 0.0, where);
        assertEquals(own.acceptedTokens(), global.acceptedTokens(), 0.0, where);
        assertEquals(own.sequences(), global.sequences(), 0.0, where);
        assertEquals(own.sumAcceptance(), global.sumAcceptance(), 1e-12 * own.sumAcceptance(), where);
        assertEquals(own.sumZApprox(), global.sumZApprox(), 1e-12 * own.sumZApprox(), where);

        double lossSum = 0;
        double lossScale = Math.abs(whole.loss());
        for (float l : whole.perTokenLoss()) {
            lossScale += Math.abs(l);
        }
        for (int p = 0; p < parts; p++) {
            JackpotResult part = Results.compute(config, batches[p], global, Execution.sequential());
            final int partIndex = p;
            String at = where + ", micro-batch " + p + " rows [" + bounds[p] + "," + bounds[p + 1] + ")";
            assertArrayEquals(Jackpot.statistics(config, batches[p]).toArray(), part.batchStatistics().toArray(),
                    at + ": batchStatistics is the micro-batch's own");
            assertSame(global, part.statistics(), at + ": statistics are those in scope");
            assertEquals(whole.kappa(), part.kappa(), 1e-12 * whole.kappa(), () -> at + ": kappa");
            // Outputs derived from κ are float roundings of doubles that may differ in the last bit
            // when κ's summation order changed it: identical when κ is, otherwise within one float ulp.
            boolean sameKappa = Double.compare(whole.kappa(), part.kappa()) == 0;
            int from = bounds[p] * g.length;
            int to = bounds[p + 1] * g.length;
            assertSlice(whole.acceptMask(), from, part.acceptMask(), true, at + ": acceptMask");
            assertSlice(whole.zApprox(), from, part.zApprox(), true, at + ": zApprox");
            assertSlice(whole.z(), from, part.z(), sameKappa, at + ": z");
            assertSlice(whole.weights(), from, part.weights(), sameKappa, at + ": weights");
            assertSlice(whole.gradLogProbs(), from, part.gradLogProbs(), sameKappa, at + ": gradLogProbs");
            assertSlice(whole.perTokenLoss(), from, part.perTokenLoss(), sameKappa, at + ": perTokenLoss");
            assertTrue(to - from == part.acceptMask().length, () -> at + ": size " + partIndex);
            lossSum += part.loss();
        }
        final double total = lossSum;
        // Each micro-batch's loss is a partial sum of the whole batch's row terms: only the order of
        // the double additions (and κ's last bit) differs. 1e-9 of the sum of magnitudes is ample.
        assertEquals(whole.loss(), total, 1e-9 * lossScale + 1e-300,
                () -> where + ": sum of micro-batch losses " + total + " != whole-batch loss " + whole.loss());
    }

    private static void assertSlice(float[] whole, int from, float[] part, boolean exact, String what) {
        for (int i = 0; i < part.length; i++) {
            float expected = whole[from + i];
            float actual = part[i];
            boolean ok = exact ? Float.compare(expected, actual) == 0
                    : Math.abs(expected - actual) <= Math.ulp(expected);
            if (!ok) {
                throw new AssertionError(what + "[" + i + "] of the micro-batch = " + actual + " but the whole batch has "
                        + expected + (exact ? " (bitwise)" : " (within one float ulp)"));
            }
        }
    }
}
