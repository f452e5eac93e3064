package io.github.jackpot4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotMetric;
import io.github.jackpot4j.core.JackpotResult;

/**
 * A log of two steps, with rows shorter than their step's T: each step equals its own single batch
 * (padding is masked), λ solved per step in budget mode.
 */
class SparkMultiStepTest {
    static final int K = 3;
    static Path dir;

    @AfterAll
    static void clean() throws Exception {
        SparkTestSupport.deleteTree(dir);
    }

    /** The row cut to its first {@code length} tokens. */
    static Row truncated(Row r, int length) {
        Object[] v = new Object[r.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.get(i);
        }
        v[2] = length;
        v[4] = Arrays.copyOf((int[]) v[4], length);
        for (int c = 5; c <= 8; c++) {
            v[c] = Arrays.copyOf((float[]) v[c], length);
        }
        v[9] = Arrays.copyOf((int[]) v[9], length * K);
        v[11] = Arrays.copyOf((int[]) v[11], length * K);
        for (int c : new int[] {10, 12, 13}) {
            v[c] = Arrays.copyOf((float[]) v[c], length * K);
        }
        return RowFactory.create(v);
    }

    /** The full-length row with its tokens from {@code length} on masked out: the reference's view. */
    static Row masked(Row r, int length) {
        Object[] v = new Object[r.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.get(i);
        }
        int[] mask = ((int[]) v[4]).clone();
        Arrays.fill(mask, length, mask.length, 0);
        v[4] = mask;
        return RowFactory.create(v);
    }

    @Test
    void eachStepEqualsItsOwnBatch() throws Exception {
        dir = Files.createTempDirectory("jackpot-spark-steps");
        SparkSession spark = SparkTestSupport.spark();
        long[] steps = {3, 4};
        int[] lengths = {6, 5};
        int[] sizes = {15, 10};
        List<Row> log = new ArrayList<>();
        List<List<Row>> references = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            List<Row> rows = SparkTestSupport.rows(new SyntheticRolloutLog(21 + s, steps[s], lengths[s], K, 0.8),
                    sizes[s]);
            List<Row> ref = new ArrayList<>();
            for (Row r : rows) {
                long b = r.getLong(0);
                if (b % 4 == 2) { // shorter rows: T_b = 3
                    log.add(truncated(r, 3));
                    ref.add(masked(r, 3));
                } else {
                    log.add(r);
                    ref.add(r);
                }
            }
            references.add(ref);
        }
        String in = dir.resolve("log.parquet").toString();
        spark.createDataFrame(log, RolloutLog.SCHEMA).repartition(2).write().parquet(in);
        Map<String, String> settings = Map.of("jackpot_target_acceptance", "0.65");
        List<SparkJackpot.StepResult> results = SparkJackpot.score(spark, in, dir.resolve("out").toString(), settings,
                new SparkJackpot.Options().partitions(3).chunkRows(3));
        assertEquals(2, results.size());
        List<Row> scored = spark.read().parquet(dir.resolve("out/tokens.parquet").toString())
                .orderBy("step", "sequence").collectAsList();
        int row = 0;
        for (int s = 0; s < 2; s++) {
            SparkJackpot.StepResult r = results.get(s);
            assertEquals(steps[s], r.step);
            assertEquals(lengths[s], r.length);
            JackpotConfig config = JackpotConfig.fromMap(Map.of("jackpot_target_acceptance", "0.65",
                    "jackpot_log_probs_to_keep", Integer.toString(K)));
            JackpotResult ref = Jackpot.compute(config,
                    SparkTestSupport.wholeBatch(references.get(s), steps[s], lengths[s], K));
            assertEquals(ref.metric(JackpotMetric.LAMBDA), r.lambda, 0.0, "λ of step " + steps[s]);
            assertEquals(Arrays.toString(ref.statistics().toArray()), Arrays.toString(r.statistics));
            SparkExactnessTest.assertClose(ref.loss(), r.loss, "loss of step " + steps[s]);
            double sum = 0;
            for (int b = 0; b < sizes[s]; b++, row++) {
                Row out = scored.get(row);
                assertEquals(steps[s], out.getLong(out.fieldIndex("step")));
                assertEquals(b, out.getLong(out.fieldIndex("sequence")));
                List<Float> w = out.getList(out.fieldIndex("weights"));
                List<Integer> m = out.getList(out.fieldIndex("accept_mask"));
                assertEquals(b % 4 == 2 ? 3 : lengths[s], w.size());
                for (int i = 0; i < w.size(); i++) {
                    int t = b * lengths[s] + i;
                    assertEquals(Float.floatToRawIntBits(ref.weights()[t]), Float.floatToRawIntBits(w.get(i)));
                    assertEquals((int) ref.acceptMask()[t], (int) m.get(i));
                }
                sum += out.getDouble(out.fieldIndex("loss_contribution"));
            }
            SparkExactnessTest.assertClose(ref.loss(), sum, "Σ loss_contribution of step " + steps[s]);
            for (Map.Entry<String, Double> e : ref.metrics().entrySet()) {
                SparkExactnessTest.assertClose(e.getValue(), r.metrics.get(e.getKey()), e.getKey());
            }
        }
    }
}
