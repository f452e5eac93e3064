package io.github.jackpot4j.core;

/**
 * {@link Jackpot#compute} (no global statistics, no budget mode, sequential) on the frozen reference
 * kernel ({@link ReferenceJackpotKernel}, {@link ReferenceUnionNormalizer}): the outputs of the kernel
 * before the speed work of issue 12.
 */
final class ReferenceJackpot {
    private ReferenceJackpot() {
    }

    static JackpotResult compute(JackpotConfig config, JackpotBatch batch) {
        return compute(config, batch, Math::exp);
    }

    /**
     * The same with {@code normalizerExp} for the union's exponentials: {@code PreviousFastExp::exp}
     * reproduces the kernel of commit d085de9 (FastExp in the normalizer, every restructuring since
     * the reference was frozen claimed bit-identical), which KernelEquivalenceTest checks.
     */
    static JackpotResult compute(JackpotConfig config, JackpotBatch batch,
                                 java.util.function.DoubleUnaryOperator normalizerExp) {
        return compute(config, batch, normalizerExp, Math::expm1);
    }

    /**
     * The kernel as it stands, bit for bit: the union's exponential {@link FastExp#exp} and the KL k3
     * metric's e^d − 1 {@link FastExp#expm1} (docs/math.md §10, "The KL k3 metric's e^d − 1"). With
     * {@code Math::expm1} instead ({@link #compute(JackpotConfig, JackpotBatch, java.util.function.DoubleUnaryOperator)}
     * with {@code FastExp::exp}), the kernel before branch corespeed.
     */
    static JackpotResult current(JackpotConfig config, JackpotBatch batch) {
        return compute(config, batch, FastExp::exp, FastExp::expm1);
    }

    static JackpotResult compute(JackpotConfig config, JackpotBatch batch,
                                 java.util.function.DoubleUnaryOperator normalizerExp,
                                 java.util.function.DoubleUnaryOperator klExpm1) {
        if (config.budgetMode()) {
            throw new IllegalArgumentException("the reference runs without budget mode");
        }
        JackpotResult out = JackpotResult.allocate(batch.batchSize(), batch.length());
        ReferenceJackpotKernel kernel = new ReferenceJackpotKernel(config, batch, out, config.lambda(), normalizerExp, klExpm1);
        kernel.acceptance(0, batch.batchSize(), kernel.newScratch());
        BatchStatistics local = kernel.localStatistics();
        kernel.useStatistics(local);
        kernel.weightsAndLoss(0, batch.batchSize(), new PolicyObjective(config));
        kernel.finish(local);
        return out;
    }
}
