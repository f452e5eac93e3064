package io.github.jackpot4j.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import io.github.jackpot4j.core.Execution;
import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotResult;

/**
 * The Spark job of docs/spark.md:
 * <pre>
 *   generate  --sequences N --out log.parquet [--length T] [--k K] [--step S] [--seed X] [--mismatch M] [--partitions P]
 *   score     --in log.parquet --out DIR [--set key=value ...] [--target-acceptance A] [--partitions P]
 *             [--chunk-rows R] [--lambda-solver distributed|gather]
 *   reference --in log.parquet [--set key=value ...] [--target-acceptance A]
 * </pre>
 * {@code --master URL} sets the Spark master when not started by spark-submit (default local[*]).
 * {@code reference} computes each step as one batch in this JVM on one thread (the single-JVM
 * result {@code score} must equal) and prints its loss, λ and timing.
 */
public final class JackpotSparkJob {
    private JackpotSparkJob() {
    }

    public static void main(String[] args) throws Exception {
        int code = run(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs one command: 0 on success, 1 for a bad log (one line naming the column and the row on
     * stderr), 2 for bad flags or settings. Uses the active Spark session if there is one (and leaves
     * it running), else starts one and stops it at the end.
     */
    public static int run(String... args) throws IOException {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(usage());
            return 0;
        }
        try {
            String command = args[0];
            Map<String, String> flags = new LinkedHashMap<>();
            Map<String, String> settings = new LinkedHashMap<>();
            for (int i = 1; i < args.length; i++) {
                String a = args[i];
                if (!a.startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --flag value, got '" + a + "'\n" + usage());
                }
                String v = args[++i];
                if (a.equals("--set")) {
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--set needs key=value, got '" + v + "'");
                    }
                    settings.put(v.substring(0, eq), v.substring(eq + 1));
                } else {
                    flags.put(a.substring(2), v);
                }
            }
            if (flags.containsKey("target-acceptance")) {
                settings.put("jackpot_target_acceptance", flags.remove("target-acceptance"));
            }
            switch (command) {
                case "generate":
                    return generate(flags);
                case "score":
                    return score(flags, settings);
                case "reference":
                    return reference(flags, settings);
                default:
                    throw new IllegalArgumentException("unknown command '" + command + "'\n" + usage());
            }
        } catch (RolloutLogException e) { // a bad log: one line naming the column and the row
            System.err.println("jackpot-spark: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) { // bad flags or settings (NumberFormatException included)
            System.err.println("jackpot-spark: " + e.getMessage());
            return 2;
        }
    }

    static String usage() {
        return String.join("\n",
                "usage: jackpot-spark generate --sequences N --out log.parquet [--length T=64] [--k K=8] [--step S=0]",
                "                              [--seed X=1] [--mismatch M=0.5] [--partitions P]",
                "       jackpot-spark score --in log.parquet --out DIR [--set key=value ...] [--target-acceptance A]",
                "                           [--partitions P] [--chunk-rows R=256] [--lambda-solver distributed|gather]",
                "       jackpot-spark reference --in log.parquet [--set key=value ...] [--target-acceptance A]",
                "  every command also takes --master URL (default: spark-submit's, else local[*]); see docs/spark.md");
    }

    private static String required(Map<String, String> flags, String name) {
        String v = flags.remove(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    private static void noneLeft(Map<String, String> flags) {
        if (!flags.isEmpty()) {
            throw new IllegalArgumentException("unknown flag --" + flags.keySet().iterator().next());
        }
    }

    /** A session started by this command, to stop at its end; null when one was already active. */
    private static SparkSession owned;

    static SparkSession session(String master) {
        scala.Option<SparkSession> existing = SparkSession.getActiveSession();
        if (existing.isEmpty()) {
            existing = SparkSession.getDefaultSession();
        }
        if (existing.isDefined()) {
            owned = null;
            return existing.get();
        }
        SparkSession.Builder b = SparkSession.builder().appName("jackpot-spark")
                .config("spark.ui.enabled", "false");
        if (master != null) {
            b.master(master);
        } else if (System.getProperty("spark.master") == null) {
            b.master("local[*]");
        }
        SparkSession spark = b.getOrCreate();
        spark.sparkContext().setLogLevel(System.getProperty("jackpot.spark.logLevel", "WARN"));
        owned = spark;
        return spark;
    }

    private static void release(SparkSession spark) {
        if (spark == owned) {
            spark.stop();
            owned = null;
        }
    }

    private static int generate(Map<String, String> flags) throws IOException {
        long n = Long.parseLong(required(flags, "sequences"));
        String out = required(flags, "out");
        int length = Integer.parseInt(flags.getOrDefault("length", "64"));
        int k = Integer.parseInt(flags.getOrDefault("k", "8"));
        long step = Long.parseLong(flags.getOrDefault("step", "0"));
        long seed = Long.parseLong(flags.getOrDefault("seed", "1"));
        double mismatch = Double.parseDouble(flags.getOrDefault("mismatch", "0.5"));
        int partitions = Integer.parseInt(flags.getOrDefault("partitions", "0"));
        String master = flags.remove("master");
        flags.keySet().removeAll(List.of("length", "k", "step", "seed", "mismatch", "partitions"));
        noneLeft(flags);
        SparkSession spark = session(master);
        try {
            long t0 = System.nanoTime();
            generate(spark, n, out, new SyntheticRolloutLog(seed, step, length, k, mismatch), partitions);
            System.out.printf(Locale.ROOT, "wrote %d sequences (T = %d, k = %d, step %d) to %s in %.1f s%n", n, length,
                    k, step, out, (System.nanoTime() - t0) / 1e9);
        } finally {
            release(spark);
        }
        return 0;
    }

    /** Writes sequences 0..n−1 of {@code log} to {@code out} (through a temporary directory beside it). */
    public static void generate(SparkSession spark, long n, String out, SyntheticRolloutLog log, int partitions)
            throws IOException {
        Path outPath = new Path(out);
        FileSystem fs = outPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (fs.exists(outPath)) {
            throw new IllegalArgumentException("--out " + out + " already exists: choose a new path");
        }
        Path tmp = SparkJackpot.temporaryBeside(outPath);
        try {
            int p = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
            JavaRDD<Row> rows = spark.range(0, n, 1, p).javaRDD().map(log::row);
            spark.createDataFrame(rows, RolloutLog.SCHEMA).write().parquet(tmp.toString());
            if (!fs.rename(tmp, outPath)) {
                throw new IOException("could not rename " + tmp + " to " + outPath);
            }
        } catch (Throwable e) {
            SparkJackpot.deleteQuietly(fs, tmp);
            throw SparkJackpot.sneaky(e);
        }
    }

    private static int score(Map<String, String> flags, Map<String, String> settings) throws IOException {
        String in = required(flags, "in");
        String out = required(flags, "out");
        SparkJackpot.Options options = new SparkJackpot.Options()
                .partitions(Integer.parseInt(flags.getOrDefault("partitions", "0")))
                .chunkRows(Integer.parseInt(flags.getOrDefault("chunk-rows", "256")))
                .lambdaSolver(SparkJackpot.LambdaSolver.valueOf(
                        flags.getOrDefault("lambda-solver", "distributed").toUpperCase(Locale.ROOT)));
        String master = flags.remove("master");
        flags.keySet().removeAll(List.of("partitions", "chunk-rows", "lambda-solver"));
        noneLeft(flags);
        SparkSession spark = session(master);
        try {
            long t0 = System.nanoTime();
            List<SparkJackpot.StepResult> results = SparkJackpot.score(spark, in, out, settings, options);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long tokens = 0;
            for (SparkJackpot.StepResult r : results) {
                tokens += r.sequences * r.length;
                System.out.printf(Locale.ROOT, "step %d: %d sequences, T = %d, loss = %.17g, lambda = %.17g (%s, %d"
                                + " passes), acceptance = %.6f, kappa = %.17g%n", r.step, r.sequences, r.length, r.loss,
                        r.lambda, r.lambdaMethod, r.lambdaPasses, r.metrics.get("jackpot/acceptance_rate"),
                        r.metrics.get("jackpot/kappa"));
            }
            System.out.printf(Locale.ROOT, "scored %d tokens in %.2f s (%.0f tokens/s, end to end) -> %s%n", tokens,
                    seconds, tokens / seconds, out);
        } finally {
            release(spark);
        }
        return 0;
    }

    private static int reference(Map<String, String> flags, Map<String, String> settings) {
        String in = required(flags, "in");
        String master = flags.remove("master");
        noneLeft(flags);
        SparkSession spark = session(master);
        try {
            List<RolloutLog.Sequence> rows = new ArrayList<>(SparkJackpot.readLog(spark, in, 1).collect());
            for (Map.Entry<Long, JackpotBatch> e : LocalReference.batches(rows).entrySet()) {
                JackpotBatch batch = e.getValue();
                Map<String, String> conf = new LinkedHashMap<>(settings);
                conf.putIfAbsent("jackpot_log_probs_to_keep", Integer.toString(batch.topK()));
                JackpotConfig config = JackpotConfig.fromMap(conf);
                JackpotResult result = JackpotResult.allocate(batch.batchSize(), batch.length());
                Jackpot.compute(config, batch, null, result, Execution.sequential()); // warm-up
                int repeats = 3;
                long t0 = System.nanoTime();
                for (int r = 0; r < repeats; r++) {
                    Jackpot.compute(config, batch, null, result, Execution.sequential());
                }
                double seconds = (System.nanoTime() - t0) / 1e9 / repeats;
                long tokens = (long) batch.batchSize() * batch.length();
                System.out.printf(Locale.ROOT, "step %d: %d sequences, T = %d, loss = %.17g, lambda = %.17g,"
                                + " acceptance = %.6f, kappa = %.17g%n", e.getKey(), batch.batchSize(), batch.length(),
                        result.loss(), result.metrics().get("jackpot/lambda"),
                        result.metrics().get("jackpot/acceptance_rate"), result.kappa());
                System.out.printf(Locale.ROOT, "single JVM, one thread: %d tokens in %.3f s (%.0f tokens/s, compute"
                        + " only, data in memory)%n", tokens, seconds, tokens / seconds);
            }
        } finally {
            release(spark);
        }
        return 0;
    }
}
