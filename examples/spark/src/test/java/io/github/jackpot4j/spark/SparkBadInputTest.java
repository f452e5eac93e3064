package io.github.jackpot4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad logs fail with an error naming the column and the row (its global sequence), and a failed job
 * leaves nothing at --out nor any temporary directory beside it.
 */
class SparkBadInputTest {
    static final int N = 20;
    static final int T = 4;
    static final int K = 2;
    static Path dir;
    static List<Row> rows;
    static int counter;

    @BeforeAll
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("jackpot-spark-bad");
        rows = SparkTestSupport.rows(new SyntheticRolloutLog(3, 0, T, K, 0.5), N);
    }

    @AfterAll
    static void clean() throws Exception {
        SparkTestSupport.deleteTree(dir);
    }

    /** Writes the log with row {@code sequence} changed by {@code edit} (column index → new value). */
    private static String logWith(long sequence, int column, UnaryOperator<Object> edit) {
        List<Row> changed = new java.util.ArrayList<>();
        for (Row r : rows) {
            if (r.getLong(0) == sequence) {
                Object[] values = new Object[r.length()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = r.get(i);
                }
                values[column] = edit.apply(values[column]);
                changed.add(RowFactory.create(values));
            } else {
                changed.add(r);
            }
        }
        return write(SparkTestSupport.spark().createDataFrame(changed, RolloutLog.SCHEMA));
    }

    private static String write(Dataset<Row> df) {
        String path = dir.resolve("log-" + (counter++) + ".parquet").toString();
        df.repartition(3).write().parquet(path);
        return path;
    }

    private static Dataset<Row> good() {
        return SparkTestSupport.spark().createDataFrame(rows, RolloutLog.SCHEMA);
    }

    /** Scores {@code log}, expects a RolloutLogException whose message has every fragment, and no output left. */
    private static String fails(String log, String... fragments) throws Exception {
        String name = "out-" + (counter++);
        Path out = dir.resolve(name);
        RolloutLogException e = assertThrows(RolloutLogException.class, () -> SparkJackpot.score(
                SparkTestSupport.spark(), log, out.toString(), Map.of(), new SparkJackpot.Options().partitions(3)));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
        }
        assertFalse(Files.exists(out), "no output after a failure");
        assertEquals(List.of(), SparkTestSupport.leftovers(dir, name), "no temporary directory left");
        return e.getMessage();
    }

    @Test
    void missingColumnIsNamed() throws Exception {
        fails(write(good().drop(RolloutLog.ADVANTAGES)), "column 'advantages' is missing", "array<float>");
    }

    @Test
    void wrongTypesAreNamed() throws Exception {
        fails(write(good().withColumn(RolloutLog.LOG_PROBS,
                        functions.col(RolloutLog.LOG_PROBS).cast("array<double>"))),
                "column 'log_probs' has type array<double>", "needs array<float>");
        fails(write(good().withColumn(RolloutLog.STEP, functions.col(RolloutLog.STEP).cast("int"))),
                "column 'step' has type int", "needs bigint");
    }

    @Test
    void raggedArraysNameColumnAndSequence() throws Exception {
        fails(logWith(13, 5, v -> java.util.Arrays.copyOf((float[]) v, T - 1)),
                "column 'rollout_log_probs' has 3 values in the row of sequence 13 (step 0)", "length = 4 needs 4",
                "ragged");
        fails(logWith(4, 11, v -> java.util.Arrays.copyOf((int[]) v, T * K + 1)),
                "column 'target_topk_ids' has 9 values in the row of sequence 4", "length * k = 4 * 2 needs 8");
        fails(logWith(7, 2, v -> T + 1), "column 'response_mask' has 4 values in the row of sequence 7",
                "length = 5 needs 5");
    }

    @Test
    void nanValuesNameColumnSequenceAndPosition() throws Exception {
        fails(logWith(17, 6, v -> {
            float[] a = ((float[]) v).clone();
            a[2] = Float.NaN;
            return a;
        }), "column 'old_log_probs' holds NaN at position 2 in the row of sequence 17");
        fails(logWith(9, 12, v -> {
            float[] a = ((float[]) v).clone();
            a[5] = Float.NaN;
            return a;
        }), "column 'target_topk_log_probs' holds NaN at index 5 (token 2, list entry 1) in the row of sequence 9");
    }

    @Test
    void rowsTheCoreRefusesAreNamed() throws Exception {
        fails(logWith(6, 5, v -> {
            float[] a = ((float[]) v).clone();
            a[1] = 0.5f; // a log-prob > 0
            return a;
        }), "in the row of sequence 6 (step 0)", "rollout_log_probs");
        fails(logWith(11, 9, v -> {
            int[] a = ((int[]) v).clone();
            a[1] = a[0]; // a duplicate id in one top-k list
            return a;
        }), "in the row of sequence 11 (step 0)", "rollout_topk_ids");
    }

    @Test
    void repeatedSequenceIsNamed() throws Exception {
        fails(logWith(5, 0, v -> 8L), "sequence 8 of step 0 appears in two rows");
    }

    @Test
    void failureAfterTheTokensAreWrittenLeavesNothing() throws Exception {
        String log = write(good());
        Path out = dir.resolve("late-failure");
        SparkJackpot.afterTokensWritten = () -> {
            throw new IllegalStateException("injected failure after tokens.parquet was written");
        };
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> SparkJackpot.score(
                    SparkTestSupport.spark(), log, out.toString(), Map.of(), new SparkJackpot.Options()));
            assertTrue(e.getMessage().contains("injected"));
        } finally {
            SparkJackpot.afterTokensWritten = null;
        }
        assertFalse(Files.exists(out));
        assertEquals(List.of(), SparkTestSupport.leftovers(dir, "late-failure"));
        // and the same log scores fine, once
        SparkJackpot.score(SparkTestSupport.spark(), log, out.toString(), Map.of(), new SparkJackpot.Options());
        assertTrue(Files.exists(out.resolve("metrics.json")));
        assertTrue(Files.exists(out.resolve("tokens.parquet")));
        assertEquals(List.of(), SparkTestSupport.leftovers(dir, "late-failure"));
        IllegalArgumentException exists = assertThrows(IllegalArgumentException.class, () -> SparkJackpot.score(
                SparkTestSupport.spark(), log, out.toString(), Map.of(), new SparkJackpot.Options()));
        assertTrue(exists.getMessage().contains("already exists"));
    }

    @Test
    void wrongKForTheConfigurationIsRefused() throws Exception {
        String log = write(good());
        Path out = dir.resolve("wrong-k");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkJackpot.score(
                SparkTestSupport.spark(), log, out.toString(), Map.of("jackpot_log_probs_to_keep", "20"),
                new SparkJackpot.Options()));
        assertTrue(e.getMessage().contains("jackpot_log_probs_to_keep = 20 but the log's column 'k' is 2"),
                e.getMessage());
        assertFalse(Files.exists(out));
    }
}
