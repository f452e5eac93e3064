package io.github.jackpot4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.testing.SyntheticRollouts;
import java.util.Collection;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The quick mode: every core benchmark once, for one short iteration on the smallest size, to prove
 * the harness still runs. It asserts that each benchmark produced a result, never how fast it was.
 */
class BenchmarksRunTest {
    @Test
    void everyCoreBenchmarkRunsOnce() throws RunnerException {
        // in-process (forks 0): the file lock only guards against a parallel JMH run measuring beside this one,
        // which does not matter for a run that asserts nothing about speed
        System.setProperty("jmh.ignoreLock", "true");
        Options options = new OptionsBuilder()
                .include(CoreBenchmark.class.getName())
                .param("tokens", "4096")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        assertEquals(9, results.size(), "fusedSequential, fusedParallel, nd4jOpByOp, djlOpByOp, djlOpByOpNoMetrics,"
                + " djlOpByOpTrusted, djlOpByOpEngineOps, validate, onePassRead");
        for (RunResult r : results) {
            double score = r.getPrimaryResult().getScore();
            assertTrue(Double.isFinite(score) && score > 0, r.getParams().getBenchmark() + " scored " + score);
        }
    }

    @Test
    void generatedBatchesAreValidForEveryBenchmarkedK() {
        for (int k : new int[] {5, 20, 64}) {
            JackpotBatch batch = SyntheticRollouts.atScale(1024, k, 42L).batch();
            assertEquals(1024, batch.batchSize() * batch.length());
        }
    }
}
