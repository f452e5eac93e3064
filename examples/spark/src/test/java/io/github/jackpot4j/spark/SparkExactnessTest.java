package io.github.jackpot4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotResult;

/**
 * The Spark job equals the single-JVM core computing one batch of everything, for 1, 3 and 7
 * partitions and chunks that cut across them: masks and weights bit for bit, λ and the merged
 * statistics bit for bit, loss and metrics to 1e-12 relative — in normal and in budget mode.
 */
class SparkExactnessTest {
    static final int SEQUENCES = 40;
    static final int T = 6;
    static final int K = 3;
    static final long STEP = 7;
    static Path dir;
    static String log;
    static List<Row> rows;

    @BeforeAll
    static void generate() throws Exception {
        dir = Files.createTempDirectory("jackpot-spark-exact");
        log = dir.resolve("log.parquet").toString();
        SyntheticRolloutLog gen = new SyntheticRolloutLog(11, STEP, T, K, 0.8);
        JackpotSparkJob.generate(SparkTestSupport.spark(), SEQUENCES, log, gen, 3);
        rows = SparkTestSupport.rows(gen, SEQUENCES);
    }

    @AfterAll
    static void clean() throws Exception {
        SparkTestSupport.deleteTree(dir);
    }

    @Test
    void normalModeEqualsOneBatchForEveryPartitioning() throws Exception {
        check("normal", Map.of(), SparkJackpot.LambdaSolver.DISTRIBUTED, 1, 3, 7);
    }

    @Test
    void budgetModeEqualsOneBatchForEveryPartitioning() throws Exception {
        List<SparkJackpot.StepResult> r = check("budget",
                Map.of("jackpot_target_acceptance", "0.6"), SparkJackpot.LambdaSolver.DISTRIBUTED, 1, 3, 7);
        assertEquals("bisection", r.get(0).lambdaMethod, "the distributed bisection decided every comparison");
        assertTrue(r.get(0).lambdaPasses > 20, "one aggregation per bisection step: " + r.get(0).lambdaPasses);
    }

    @Test
    void budgetModeOrderedGatherAndClosedFormEqualOneBatch() throws Exception {
        check("gather", Map.of("jackpot_target_acceptance", "0.6"), SparkJackpot.LambdaSolver.GATHER, 3);
        // a target so low that the root lies above max Δ: the core's closed form, reproduced by the gather
        List<SparkJackpot.StepResult> r = check("closed", Map.of("jackpot_target_acceptance", "0.02"),
                SparkJackpot.LambdaSolver.DISTRIBUTED, 7);
        assertEquals("closed-form", r.get(0).lambdaMethod);
    }

    @Test
    void otherSettingsEqualOneBatch() throws Exception {
        check("settings", Map.of("loss_agg_mode", "seq-mean-token-mean", "jackpot_acceptance_estimate", "expected",
                "jackpot_seed", "5", "rollout_is_threshold", "0.5_5.0"), SparkJackpot.LambdaSolver.DISTRIBUTED, 3);
    }

    private List<SparkJackpot.StepResult> check(String name, Map<String, String> settings,
                                                SparkJackpot.LambdaSolver solver, int... partitionings)
            throws Exception {
        SparkSession spark = SparkTestSupport.spark();
        Map<String, String> conf = new HashMap<>(settings);
        conf.put("jackpot_log_probs_to_keep", Integer.toString(K));
        JackpotConfig config = JackpotConfig.fromMap(conf);
        JackpotBatch whole = SparkTestSupport.wholeBatch(rows, STEP, T, K);
        JackpotResult ref = Jackpot.compute(config, whole);
        List<SparkJackpot.StepResult> last = null;
        for (int partitions : partitionings) {
            String out = dir.resolve(name + "-p" + partitions).toString();
            List<SparkJackpot.StepResult> results = SparkJackpot.score(spark, log, out, settings,
                    new SparkJackpot.Options().partitions(partitions).chunkRows(4).lambdaSolver(solver));
            String what = name + " with " + partitions + " partitions";
            assertEquals(1, results.size());
            SparkJackpot.StepResult r = results.get(0);
            assertEquals(STEP, r.step);
            assertEquals(SEQUENCES, r.sequences);
            assertEquals(ref.metric(io.github.jackpot4j.core.JackpotMetric.LAMBDA), r.lambda, 0.0, what + ": λ");
            double[] stats = ref.statistics().toArray();
            for (int i = 0; i < stats.length; i++) {
                assertEquals(Double.doubleToLongBits(stats[i]), Double.doubleToLongBits(r.statistics[i]),
                        what + ": statistics[" + i + "] " + stats[i] + " vs " + r.statistics[i]);
            }
            List<Row> scored = spark.read().parquet(out + "/tokens.parquet").orderBy("sequence").collectAsList();
            assertEquals(SEQUENCES, scored.size());
            double lossSum = 0;
            for (int b = 0; b < SEQUENCES; b++) {
                Row row = scored.get(b);
                assertEquals(b, row.getLong(row.fieldIndex("sequence")));
                assertEquals(STEP, row.getLong(row.fieldIndex("step")));
                List<Float> w = row.getList(row.fieldIndex("weights"));
                List<Integer> m = row.getList(row.fieldIndex("accept_mask"));
                assertEquals(T, w.size());
                for (int i = 0; i < T; i++) {
                    int t = b * T + i;
                    assertEquals(Float.floatToRawIntBits(ref.weights()[t]), Float.floatToRawIntBits(w.get(i)),
                            what + ": weight of sequence " + b + ", position " + i);
                    assertEquals((int) ref.acceptMask()[t], (int) m.get(i),
                            what + ": accept mask of sequence " + b + ", position " + i);
                }
                lossSum += row.getDouble(row.fieldIndex("loss_contribution"));
            }
            assertClose(ref.loss(), lossSum, what + ": Σ loss_contribution");
            assertClose(ref.loss(), r.loss, what + ": loss");
            for (Map.Entry<String, Double> e : ref.metrics().entrySet()) {
                assertClose(e.getValue(), r.metrics.get(e.getKey()), what + ": " + e.getKey());
            }
            String json = Files.readString(Path.of(out, "metrics.json"));
            assertTrue(json.contains("\"jackpot/kappa\": " + r.metrics.get("jackpot/kappa")), json);
            last = results;
        }
        return last;
    }

    static void assertClose(double expected, double actual, String what) {
        double tolerance = 1e-12 * Math.max(Math.abs(expected), 1e-300);
        assertTrue(Math.abs(expected - actual) <= tolerance || expected == actual,
                what + ": expected " + expected + " but was " + actual);
    }
}
