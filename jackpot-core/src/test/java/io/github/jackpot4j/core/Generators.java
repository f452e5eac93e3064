package io.github.jackpot4j.core;

import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.quicktheories.QuickTheory;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * QuickTheories generators shared by the {@code *PropertiesTest} classes. Structured data (batches)
 * is generated from a {@link SyntheticRollouts.Spec} whose fields — seed and sizes — are themselves drawn
 * by QuickTheories, so shrinking works on the seed and the sizes and the reported falsifying value is
 * a Java expression that rebuilds the batch.
 */
final class Generators {
    /** Upper bound on shrink cycles: a failing property still reports within seconds. */
    private static final int SHRINK_CYCLES = 200;

    private Generators() {
    }

    /**
     * A QuickTheory with a fixed seed and a bounded number of examples. The report of a failing
     * property ends with "Seed was ..." and lists the falsifying values.
     */
    static QuickTheory qt(long seed, int examples) {
        return QuickTheory.qt().withFixedSeed(seed).withExamples(examples).withShrinkCycles(SHRINK_CYCLES);
    }

    /** Batch parameters: B in [1, maxBatch], T in [1, maxLength], V in [minVocab, maxVocab], k in [1, min(8, V)]. */
    static Gen<SyntheticRollouts.Spec> specs(int maxBatch, int maxLength, int minVocab, int maxVocab) {
        return specs(maxBatch, maxLength, minVocab, maxVocab, Arrays.asList(0.0, 0.3, 1.0), Arrays.asList(0.0, 0.05, 0.3));
    }

    /** As {@link #specs(int, int, int, int)} with the padding fractions and mask-out probabilities to pick from. */
    static Gen<SyntheticRollouts.Spec> specs(int maxBatch, int maxLength, int minVocab, int maxVocab,
                                         List<Double> padFractions, List<Double> maskedProbs) {
        Gen<int[]> shape = integers().between(1, maxBatch).zip(integers().between(1, maxLength),
                integers().between(minVocab, maxVocab), integers().between(1, 8),
                (b, t, v, k) -> new int[] {b, t, v, Math.min(k, v)});
        Gen<double[]> shapeOfDistributions = doubles().between(0.3, 4.0).zip(doubles().between(0.0, 3.0),
                Generate.pick(padFractions), Generate.pick(maskedProbs),
                (logitScale, noise, pad, masked) -> new double[] {logitScale, noise, pad, masked});
        return longs().all().zip(shape, shapeOfDistributions, (seed, s, d) ->
                SyntheticRollouts.builder().seed(seed).batchSize(s[0]).length(s[1]).vocabSize(s[2]).topK(s[3])
                        .logitScale(d[0]).mismatch(d[1]).padFraction(d[2]).maskedProb(d[3]).spec());
    }

    /** Random configurations over every option of MATH.md §11 except budget mode; k is set by {@link #withTopK}. */
    static Gen<JackpotConfig> configs() {
        List<Gen<UnaryOperator<JackpotConfig.Builder>>> parts = List.of(
                set(weighted(9, true, 1, false), JackpotConfig.Builder::useJackpot),
                set(doubles().between(-1.5, 1.5).map(Math::exp), JackpotConfig.Builder::lambda),
                set(Generate.pick(List.of(3.0, 1.5, 10.0)), JackpotConfig.Builder::weightClip),
                set(booleans().all(), JackpotConfig.Builder::useLatestLogits),
                set(weighted(3, false, 1, true), JackpotConfig.Builder::useTopkRenorm),
                set(weighted(5, false, 1, true), JackpotConfig.Builder::maskOnly),
                set(Generate.enumValues(Target.class), JackpotConfig.Builder::target),
                set(booleans().all(), JackpotConfig.Builder::biasCorrection),
                set(Generate.enumValues(AcceptanceEstimate.class), JackpotConfig.Builder::acceptanceEstimate),
                set(Generate.enumValues(MissingRolloutProb.class), JackpotConfig.Builder::missingRolloutProb),
                set(longs().all(), JackpotConfig.Builder::seed),
                set(Generate.pick(List.of(ResidualCorrection.truncate(2.0), ResidualCorrection.none(),
                        ResidualCorrection.truncate(Double.POSITIVE_INFINITY), ResidualCorrection.icepop(0.5, 5.0))),
                        Batches::withF),
                set(Generate.pick(List.of(0.2, 0.1, 0.28)), JackpotConfig.Builder::clipRatioLow),
                set(Generate.pick(List.of(0.2, 0.28, 0.5)), JackpotConfig.Builder::clipRatioHigh),
                set(Generate.pick(List.of(3.0, 1.5, 10.0)), JackpotConfig.Builder::dualClip),
                set(weighted(3, true, 1, false), JackpotConfig.Builder::ppoClip),
                set(Generate.enumValues(LossAggMode.class), JackpotConfig.Builder::lossAggMode),
                set(Generate.pick(Arrays.asList(null, 7.0)), JackpotConfig.Builder::lossScaleFactor));
        Gen<UnaryOperator<JackpotConfig.Builder>> all = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            all = all.zip(parts.get(i), (f, g) -> b -> g.apply(f.apply(b)));
        }
        return all.map(f -> f.apply(JackpotConfig.builder()).build());
    }

    /** The configuration with k set to the batch's list length. */
    static JackpotConfig withTopK(JackpotConfig config, int k) {
        return config.toBuilder().topK(k).build();
    }

    private static <T> Gen<UnaryOperator<JackpotConfig.Builder>> set(Gen<T> values,
                                                                   BiFunction<JackpotConfig.Builder, T, JackpotConfig.Builder> setter) {
        return values.map(v -> b -> setter.apply(b, v));
    }

    private static Gen<Boolean> weighted(int weightA, boolean a, int weightB, boolean b) {
        return Generate.frequency(Pair.of(weightA, Generate.constant(a)), Pair.of(weightB, Generate.constant(b)));
    }
}
