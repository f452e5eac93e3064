package io.github.jackpot4j.core;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.ForkJoinPool;

import org.junit.jupiter.api.Test;

/**
 * A result's union scratch (its bit set, its prepared block of exponentials, the helpers' scratches it
 * keeps) outlives the call: reusing the result must give the bits of a fresh one, after a failure
 * inside a token, across batches, and on any thread count.
 */
class ScratchReuseTest {
    private static SyntheticRollouts generated(long seed) {
        return generated(seed, 4);
    }

    /** A 60-id vocabulary and k = 8 (the tokens' lists share many ids); 1 row = 16 tokens = one block. */
    private static SyntheticRollouts generated(long seed, int rows) {
        return SyntheticRollouts.builder().seed(seed).batchSize(rows).length(16).vocabSize(60).topK(8).logitScale(2.0).mismatch(1.0).padFraction(0.3).maskedProb(0.05).spec().generate();
    }

    @Test
    void aFailureInsideATokenLeavesNoStaleUnionBits() {
        for (long seed = 1; seed <= 8; seed++) {
            SyntheticRollouts g = generated(seed);
            JackpotConfig config = JackpotConfig.builder().topK(g.k).build();
            JackpotBatch batch = g.batch(config.target(), SyntheticRollouts.Inputs.TOP_K_CROSS);
            JackpotResult expected = Results.compute(config, batch, null, Execution.sequential());
            JackpotResult out = JackpotResult.allocate(batch.batchSize(), batch.length());
            // the views read the arrays: an id made invalid after validation fails inside the last valid token,
            // after that token's first rollout ids went into the bit set
            int[] ids = g.topK(config.target()).rolloutIds;
            int last = g.responseMask.length - 1;
            while (g.responseMask[last] == 0f) {
                last--;
            }
            int at = last * g.k + g.k / 2;
            int id = ids[at];
            ids[at] = 1 << 30;
            assertThrows(RuntimeException.class, () -> Jackpot.compute(config, batch, null, out, Execution.sequential()));
            ids[at] = id;
            Jackpot.compute(config, batch, null, out, Execution.sequential());
            long s = seed;
            assertNull(KernelEquivalenceTest.firstBitDifference(expected, out), () -> "seed " + s);
        }
    }

    @Test
    void aReusedResultGivesTheBitsOfAFreshOneOnEveryThreadCount() {
        ForkJoinPool pool = new ForkJoinPool(3);
        try {
            JackpotResult out = null;
            for (long seed = 11; seed <= 18; seed++) {
                // rows alternate between 1 (a batch within one prepared block) and 4, the shape kept per result
                SyntheticRollouts g = generated(seed, seed <= 14 ? 1 : 4);
                if (seed == 15) {
                    out = null;
                }
                for (SyntheticRollouts.Inputs mode : new SyntheticRollouts.Inputs[] {SyntheticRollouts.Inputs.TOP_K, SyntheticRollouts.Inputs.TOP_K_CROSS}) {
                    JackpotConfig config = JackpotConfig.builder().topK(g.k).build();
                    JackpotBatch batch = g.batch(config.target(), mode);
                    JackpotResult expected = ReferenceJackpot.current(config, batch);
                    if (out == null) {
                        out = JackpotResult.allocate(batch.batchSize(), batch.length());
                    }
                    for (Execution execution : new Execution[] {Execution.parallel(pool), Execution.sequential(),
                        Execution.parallel()}) {
                        Jackpot.compute(config, batch, null, out, execution);
                        JackpotResult got = out;
                        assertNull(KernelEquivalenceTest.firstBitDifference(expected, got), () -> execution + ", " + mode);
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * Pass 1's exp(ℓ_tgt − ℓ_inf), kept per token for pass 2 ({@link JackpotResult#ratio}): allocated once per
     * result (only when pass 2 reads it) and refilled by every call, so a reused result switching batches,
     * configurations (mask-only, baselines) and thread counts gives the bits of the reference every time.
     */
    @Test
    void theKeptRatiosAreAllocatedOncePerResultAndNeverStale() {
        SyntheticRollouts first = generated(21);
        JackpotConfig plain = JackpotConfig.builder().topK(first.k).build();
        JackpotBatch batch0 = first.batch(plain.target(), SyntheticRollouts.Inputs.TOP_K);
        JackpotResult maskOnlyResult = JackpotResult.allocate(batch0.batchSize(), batch0.length());
        Jackpot.compute(JackpotConfig.builder().topK(first.k).maskOnly(true).build(), batch0, null, maskOnlyResult,
                Execution.sequential());
        org.junit.jupiter.api.Assertions.assertNull(maskOnlyResult.ratio, "mask-only pass 2 reads no ratio");
        JackpotResult baseline = JackpotResult.allocate(batch0.batchSize(), batch0.length());
        Jackpot.compute(JackpotConfig.builder().topK(first.k).useJackpot(false).build(), batch0, null, baseline,
                Execution.sequential());
        org.junit.jupiter.api.Assertions.assertNull(baseline.ratio, "the baselines read no ratio");

        JackpotResult out = JackpotResult.allocate(batch0.batchSize(), batch0.length());
        double[] kept = null;
        for (long seed = 21; seed <= 28; seed++) {
            SyntheticRollouts g = generated(seed);
            for (JackpotConfig config : new JackpotConfig[] {
                JackpotConfig.builder().topK(g.k).build(),
                JackpotConfig.builder().topK(g.k).maskOnly(true).build(),
                JackpotConfig.builder().topK(g.k).target(Target.REFERENCE).build(),
                JackpotConfig.builder().topK(g.k).useJackpot(false).build()}) {
                JackpotBatch batch = g.batch(config.target(), SyntheticRollouts.Inputs.TOP_K);
                JackpotResult expected = ReferenceJackpot.current(config, batch);
                for (Execution execution : new Execution[] {Execution.sequential(), Execution.parallel()}) {
                    Jackpot.compute(config, batch, null, out, execution);
                    if (kept == null) {
                        kept = out.ratio;
                    }
                    org.junit.jupiter.api.Assertions.assertSame(kept, out.ratio, "one ratio array per result");
                    JackpotResult got = out;
                    assertNull(KernelEquivalenceTest.firstBitDifference(expected, got), () -> execution + ", " + config);
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertNotNull(kept);
    }

    /** Pass 1 alone ({@link Jackpot#statistics}) keeps no ratio and gives the statistics of the full call. */
    @Test
    void statisticsAloneKeepNoRatio() {
        SyntheticRollouts g = generated(31);
        JackpotConfig config = JackpotConfig.builder().topK(g.k).build();
        JackpotBatch batch = g.batch(config.target(), SyntheticRollouts.Inputs.TOP_K);
        JackpotResult scratch = JackpotResult.allocate(batch.batchSize(), batch.length());
        JackpotKernel kernel = new JackpotKernel(config, batch, scratch, config.lambda(), false);
        kernel.acceptance(0, batch.batchSize(), kernel.newScratch());
        org.junit.jupiter.api.Assertions.assertNull(scratch.ratio);
        JackpotResult full = Results.compute(config, batch, null, Execution.sequential());
        org.junit.jupiter.api.Assertions.assertArrayEquals(full.statistics().toArray(), kernel.localStatistics().toArray());
        org.junit.jupiter.api.Assertions.assertArrayEquals(full.statistics().toArray(),
                Jackpot.statistics(config, batch).toArray());
    }
}
