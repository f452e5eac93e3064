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
        if (config.budgetMode()) {
            throw new IllegalArgumentException("the reference runs without budget mode");
        }
        JackpotResult out = JackpotResult.allocate(batch.batchSize(), batch.length());
        ReferenceJackpotKernel kernel = new ReferenceJackpotKernel(config, batch, out, config.lambda(), normalizerExp);
        kernel.acceptance(0, batch.batchSize(), kernel.newScratch());
        BatchStatistics local = kernel.localStatistics();
        kernel.useStatistics(local);
        kernel.weightsAndLoss(0, batch.batchSize(), new PolicyObjective(config));
        kernel.finish(local);
        return out;
    }
}
