package io.github.jackpot4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import io.github.jackpot4j.core.JackpotBatch;

/** One local[2] Spark session for every test class of the module, and helpers. */
final class SparkTestSupport {
    private static SparkSession spark;

    private SparkTestSupport() {
    }

    static synchronized SparkSession spark() {
        if (spark == null) {
            spark = SparkSession.builder()
                    .appName("jackpot-spark-tests")
                    .master("local[2]")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    .config("spark.default.parallelism", "2")
                    .config("spark.sql.adaptive.enabled", "false")
                    .config("spark.sql.debug.maxToStringFields", "100")
                    .getOrCreate();
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }

    /** The rows of sequences 0..n−1 as the generator makes them (independent of Spark). */
    static List<Row> rows(SyntheticRolloutLog log, int n) {
        List<Row> rows = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            rows.add(log.row(b));
        }
        return rows;
    }

    /** Everything as one batch, built straight from the generator's arrays (sequence offset 0). */
    static JackpotBatch wholeBatch(List<Row> rows, long step, int length, int k) {
        int b = rows.size();
        int n = b * length;
        float[] mask = new float[n];
        float[] rollout = new float[n];
        float[] old = new float[n];
        float[] latest = new float[n];
        float[] adv = new float[n];
        int[] rIds = new int[n * k];
        float[] rLp = new float[n * k];
        int[] tIds = new int[n * k];
        float[] tLp = new float[n * k];
        float[] tAtR = new float[n * k];
        for (int r = 0; r < b; r++) {
            Row row = rows.get(r);
            int[] m = (int[]) row.get(4);
            for (int i = 0; i < length; i++) {
                mask[r * length + i] = m[i];
            }
            System.arraycopy((float[]) row.get(5), 0, rollout, r * length, length);
            System.arraycopy((float[]) row.get(6), 0, old, r * length, length);
            System.arraycopy((float[]) row.get(7), 0, latest, r * length, length);
            System.arraycopy((float[]) row.get(8), 0, adv, r * length, length);
            System.arraycopy((int[]) row.get(9), 0, rIds, r * length * k, length * k);
            System.arraycopy((float[]) row.get(10), 0, rLp, r * length * k, length * k);
            System.arraycopy((int[]) row.get(11), 0, tIds, r * length * k, length * k);
            System.arraycopy((float[]) row.get(12), 0, tLp, r * length * k, length * k);
            System.arraycopy((float[]) row.get(13), 0, tAtR, r * length * k, length * k);
        }
        return JackpotBatch.builder(b, length, k).step(step).responseMask(mask).rolloutLogProbs(rollout)
                .oldLogProbs(old).logProbs(latest).advantages(adv).rolloutTopK(rIds, rLp).targetTopK(tIds, tLp)
                .targetLogProbsAtRolloutTopK(tAtR).build();
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(q);
            }
        }
    }

    /** Entries of {@code dir} whose names start with "." + name + ".tmp-": left-over temporary outputs. */
    static List<String> leftovers(Path dir, String name) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            list.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("." + name + ".tmp-")).forEach(out::add);
        }
        return out;
    }
}
