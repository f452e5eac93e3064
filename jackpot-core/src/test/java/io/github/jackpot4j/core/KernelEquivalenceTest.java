package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * The optimized kernel against the frozen copy of the kernel before the speed work of issue 12
 * ({@link ReferenceJackpot}) on random batches and random configurations of every option (≥ 48
 * configurations per property). The only numerical change is the union normalizer's exponential
 * ({@link FastExp}, within 1 ulp of {@code Math.exp}; docs/math.md §4, "Decision — the normalizer's
 * exponential"), so the documented bound is: the rejection masks, union sizes and every count are
 * identical; every float32 output is within 1 float ulp; every double output (loss, κ, statistics,
 * metrics) within a relative 1e-12 of the reference, except the KL k3 metric, whose e^d − 1 is
 * {@link FastExp#expm1} since branch corespeed: within a relative {@link #KL_RELATIVE} or an absolute
 * {@link #KL_ABSOLUTE} (docs/math.md §10, "The KL k3 metric's e^d − 1").
 */
class KernelEquivalenceTest {
    /** The KL k3 metric's bound against {@code Math.expm1} (docs/math.md §10): relative ... */
    static final double KL_RELATIVE = 1e-12;
    /** ... or absolute (a mean of terms each within a few ulp of max(|e^d − 1|, |d|); 2^-50 ≈ 8.9e-16). */
    static final double KL_ABSOLUTE = 0x1p-50;

    /** One generated case: the spec, its batch and the configuration (k set to the batch's). */
    private record Case(SyntheticRollouts.Spec spec, JackpotConfig config, SyntheticRollouts.Inputs mode, JackpotBatch batch) {
        /** The kernel's result on this case, on one thread. */
        JackpotResult optimized() {
            return Results.compute(config, batch, null, Execution.sequential());
        }

        @Override
        public String toString() {
            return spec + ", " + config + ", mode=" + mode;
        }
    }

    /**
     * Runs {@code check} on {@code examples} cases drawn from {@code specs}, every configuration and every
     * input mode (seeded), and asserts that at least 48 ran; returns how many did.
     */
    private static int forCases(long seed, int examples, Gen<SyntheticRollouts.Spec> specs, Consumer<Case> check) {
        AtomicInteger configurations = new AtomicInteger();
        Generators.qt(seed, examples)
                .forAll(specs, Generators.configs(), Generate.enumValues(SyntheticRollouts.Inputs.class))
                .checkAssert((spec, config0, mode) -> {
                    SyntheticRollouts g = spec.generate();
                    JackpotConfig config = Generators.withTopK(config0, g.k);
                    check.accept(new Case(spec, config, mode, g.batch(config.target(), mode)));
                    configurations.incrementAndGet();
                });
        org.junit.jupiter.api.Assertions.assertTrue(configurations.get() >= 48, configurations + " configurations");
        return configurations.get();
    }

    /** Lists of k in [minK, 64] over vocabularies of k to 4k ids, up to 6 sequences of 24 tokens. */
    private static Gen<SyntheticRollouts.Spec> listsUpTo64(int minK) {
        return longs().all().zip(integers().between(minK, 64), integers().between(1, 4), integers().between(1, 6),
                (seed, k, m, b) -> SyntheticRollouts.builder().seed(seed).batchSize(b).length(24).vocabSize(k * m).topK(k)
                        .logitScale(2.0).mismatch(1.0).padFraction(0.3).maskedProb(0.05).spec());
    }

    @Test
    void optimizedKernelEqualsTheReference() {
        forCases(0x5EED_1201L, 96, Generators.specs(12, 40, 5, 60), c -> assertNull(
                firstDifferenceBeyondBound(ReferenceJackpot.compute(c.config(), c.batch()), c.optimized()),
                () -> c + ": differs from the reference kernel"));
    }

    /** Long lists (k in [9, 64], as in production: 20 or 64) over vocabularies of k to 4k ids. */
    @Test
    void optimizedKernelEqualsTheReferenceForLongLists() {
        forCases(0x5EED_1202L, 48, listsUpTo64(9), c -> assertNull(
                firstDifferenceBeyondBound(ReferenceJackpot.compute(c.config(), c.batch()), c.optimized()),
                () -> c + ": differs from the reference kernel"));
    }

    /**
     * The kernel against the frozen reference with the kernel's own exponential ({@link FastExp}) in
     * the union: bit for bit, so every restructuring of the kernel since the reference was frozen
     * (one-pass union, bit set, exponentials before the sums, branch-free union build) changes no bit;
     * the only numerical changes are those of the exponential, bounded by the test below.
     */
    @Test
    void kernelIsTheReferenceBitForBitWithTheSameExponential() {
        forCases(0x5EED_1203L, 96, Generators.specs(12, 40, 5, 60), c -> assertNull(
                firstBitDifference(ReferenceJackpot.current(c.config(), c.batch()), c.optimized()),
                () -> c + ": not bit-identical to the reference"));
    }

    /**
     * The union's membership test by hash set — the path of a batch whose vocabulary is not given or
     * is beyond the bit set's {@link UnionNormalizer#BITSET_MAX_VOCAB} ids — is the reference bit for
     * bit too, as the bit set is (the generated batches give their vocabulary, so the test above takes
     * the bit set).
     */
    @Test
    void hashSetUnionIsTheReferenceBitForBit() {
        forCases(0x5EED_1207L, 96, listsUpTo64(1), c -> {
            if (c.mode() == SyntheticRollouts.Inputs.FULL_VOCAB) {
                return; // no union: the exact sum over the vocabulary
            }
            JackpotBatch beyond = c.spec().generate().batchBuilder(c.config().target(), c.mode(), 0, c.spec().batchSize())
                    .vocabSize(UnionNormalizer.BITSET_MAX_VOCAB + 1).build();
            assertNull(firstBitDifference(ReferenceJackpot.current(c.config(), beyond),
                    Results.compute(c.config(), beyond, null, Execution.sequential())),
                    () -> c + ": the hash-set union is not bit-identical to the reference");
        });
    }

    /**
     * The same bit-identity once the JIT has compiled (and vectorized) the kernel's loops: a 4,096-token
     * batch with k = 20, computed 300 times on every mode, each result compared with the reference's.
     */
    @Test
    void compiledKernelIsStillTheReferenceBitForBit() {
        for (SyntheticRollouts.Inputs mode : SyntheticRollouts.Inputs.values()) {
            SyntheticRollouts g = SyntheticRollouts.builder().seed(0x5EED_1205L + mode.ordinal()).batchSize(16).length(256).vocabSize(4000).topK(20).logitScale(2.0).mismatch(1.0).padFraction(0.3).maskedProb(0.05).spec().generate();
            JackpotConfig config = JackpotConfig.builder().topK(g.k).build();
            JackpotBatch batch = g.batch(config.target(), mode);
            JackpotResult reference = ReferenceJackpot.current(config, batch);
            JackpotResult out = JackpotResult.allocate(batch.batchSize(), batch.length());
            int calls = mode == SyntheticRollouts.Inputs.FULL_VOCAB ? 3 : 300;
            for (int i = 0; i < calls; i++) {
                Jackpot.compute(config, batch, null, out, Execution.sequential());
                String difference = firstBitDifference(reference, out);
                int call = i;
                assertNull(difference, () -> mode + ", call " + call + ": " + difference);
            }
        }
    }

    /**
     * The kernel against the kernel of commit d085de9 (the reference with that commit's exponential,
     * {@link PreviousFastExp}), including long lists: masks and counts identical, float outputs within
     * 1 float ulp, doubles within 1e-12 relative (docs/math.md §4); the largest differences seen are
     * printed.
     */
    @Test
    void kernelIsWithinTheBoundOfThePreviousKernel() {
        long[] maxUlps = new long[1];
        double[] maxRelative = new double[1];
        int configurations = forCases(0x5EED_1204L, 96, listsUpTo64(1), c -> {
            JackpotResult previous = ReferenceJackpot.compute(c.config(), c.batch(), PreviousFastExp::exp);
            JackpotResult optimized = c.optimized();
            assertNull(firstDifferenceBeyondBound(previous, optimized), () -> c + ": differs from the previous kernel");
            maxUlps[0] = Math.max(maxUlps[0], maxFloatUlps(previous, optimized));
            maxRelative[0] = Math.max(maxRelative[0], maxDoubleRelative(previous, optimized));
        });
        System.out.println("KernelEquivalenceTest: " + configurations + " configurations against the previous kernel;"
                + " max float ulps " + maxUlps[0] + ", max double relative difference " + maxRelative[0]);
        org.junit.jupiter.api.Assertions.assertTrue(maxUlps[0] <= 1, maxUlps[0] + " float ulps");
    }

    /**
     * The kernel against the kernel before branch corespeed (the reference with {@link FastExp#exp} in the
     * union and {@code Math.expm1} in the KL k3 metric), on random configurations including long lists:
     * every output bit for bit, except the KL k3 metric within a relative {@link #KL_RELATIVE} or an
     * absolute {@link #KL_ABSOLUTE} (docs/math.md §10); the largest difference seen is printed.
     */
    @Test
    void kernelIsWithinTheKlBoundOfTheKernelBeforeCorespeed() {
        double[] maxRelative = new double[1];
        double[] maxAbsolute = new double[1];
        int[] differing = new int[1];
        int configurations = forCases(0x5EED_1206L, 96, listsUpTo64(1), c -> {
            JackpotResult before = ReferenceJackpot.compute(c.config(), c.batch(), FastExp::exp);
            JackpotResult optimized = c.optimized();
            assertNull(firstDifferenceBeyondKlBound(before, optimized), () -> c + ": differs from the kernel before corespeed");
            double x = before.metric(JackpotMetric.KL_K3);
            double y = optimized.metric(JackpotMetric.KL_K3);
            if (Double.compare(x, y) != 0) {
                differing[0]++;
                maxAbsolute[0] = Math.max(maxAbsolute[0], Math.abs(x - y));
                maxRelative[0] = Math.max(maxRelative[0], Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y)));
            }
        });
        System.out.println("KernelEquivalenceTest: " + configurations + " configurations against the kernel before corespeed;"
                + " kl_k3 differs in " + differing[0] + ", max relative " + maxRelative[0] + ", max absolute " + maxAbsolute[0]);
    }

    /** Every output bit for bit except the KL k3 metric, which is within its bound; the first exception, or null. */
    static String firstDifferenceBeyondKlBound(JackpotResult a, JackpotResult b) {
        int kl = 2 + a.statistics().toArray().length + JackpotMetric.KL_K3.ordinal();
        double[] x = doubleOutputs(a);
        double[] y = doubleOutputs(b);
        if (!klClose(x[kl], y[kl])) {
            return "kl_k3: " + x[kl] + " vs " + y[kl] + " (beyond the KL bound)";
        }
        x[kl] = 0;
        y[kl] = 0;
        String floats = firstFloatBitDifference(a, b);
        return floats != null ? floats : firstDoubleBitDifference(x, y);
    }

    static boolean klClose(double x, double y) {
        return Double.compare(x, y) == 0 || Math.abs(x - y) <= KL_RELATIVE * Math.max(Math.abs(x), Math.abs(y))
                || Math.abs(x - y) <= KL_ABSOLUTE;
    }

    private static float[][] floatOutputs(JackpotResult r) {
        return new float[][] {r.acceptMask(), r.weights(), r.zApprox(), r.z(), r.perTokenLoss(), r.gradLogProbs()};
    }

    private static double[] doubleOutputs(JackpotResult r) {
        double[] stats = r.statistics().toArray();
        JackpotMetric[] metrics = JackpotMetric.values();
        double[] d = new double[2 + stats.length + metrics.length];
        d[0] = r.loss();
        d[1] = r.kappa();
        System.arraycopy(stats, 0, d, 2, stats.length);
        for (int i = 0; i < metrics.length; i++) {
            d[2 + stats.length + i] = r.metric(metrics[i]);
        }
        return d;
    }

    /** The first output whose bits differ, or null. */
    static String firstBitDifference(JackpotResult a, JackpotResult b) {
        String floats = firstFloatBitDifference(a, b);
        return floats != null ? floats : firstDoubleBitDifference(doubleOutputs(a), doubleOutputs(b));
    }

    private static String firstFloatBitDifference(JackpotResult a, JackpotResult b) {
        String[] names = {"acceptMask", "weights", "zApprox", "z", "perTokenLoss", "gradLogProbs"};
        float[][] left = floatOutputs(a);
        float[][] right = floatOutputs(b);
        for (int i = 0; i < names.length; i++) {
            if (!java.util.Arrays.equals(left[i], right[i])) {
                int t = java.util.Arrays.mismatch(left[i], right[i]);
                return names[i] + "[" + t + "]: " + left[i][t] + " vs " + right[i][t];
            }
        }
        return null;
    }

    private static String firstDoubleBitDifference(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            if (Double.doubleToLongBits(x[i]) != Double.doubleToLongBits(y[i])) {
                return "double output " + i + " (loss, kappa, statistics, metrics): " + x[i] + " vs " + y[i];
            }
        }
        return null;
    }

    private static long maxFloatUlps(JackpotResult a, JackpotResult b) {
        float[][] left = floatOutputs(a);
        float[][] right = floatOutputs(b);
        long max = 0;
        for (int i = 0; i < left.length; i++) {
            for (int t = 0; t < left[i].length; t++) {
                if (Float.compare(left[i][t], right[i][t]) != 0) {
                    long d = Math.abs((long) Float.floatToIntBits(left[i][t]) - Float.floatToIntBits(right[i][t]));
                    max = Math.max(max, d);
                }
            }
        }
        return max;
    }

    private static double maxDoubleRelative(JackpotResult a, JackpotResult b) {
        double[] x = doubleOutputs(a);
        double[] y = doubleOutputs(b);
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            if (Double.compare(x[i], y[i]) != 0) {
                max = Math.max(max, Math.abs(x[i] - y[i]) / Math.max(Math.abs(x[i]), Math.abs(y[i])));
            }
        }
        return max;
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
            if (m == JackpotMetric.KL_K3 ? !klClose(a.metric(m), b.metric(m)) : !close(a.metric(m), b.metric(m))) {
                return m.key() + ": " + a.metric(m) + " vs " + b.metric(m);
            }
        }
        return null;
    }

    private static boolean close(double x, double y) {
        return Double.compare(x, y) == 0 || Math.abs(x - y) <= 1e-12 * Math.max(Math.abs(x), Math.abs(y));
    }
}
