package io.github.jackpot4j.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

import io.github.jackpot4j.core.BatchStatistics;
import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotMetric;
import io.github.jackpot4j.core.JackpotResult;

/**
 * Scores a rollout log on Spark exactly as one JVM computing each step's rows as one batch would
 * (docs/spark.md). The passes:
 * <ol>
 *   <li>read and check every row (Spark's internal rows: primitive arrays, no boxing), sort each
 *       partition by (step, sequence) — no shuffle — and gather per step the rows, T (the longest
 *       row) and k;</li>
 *   <li>budget mode (MATH.md §9): λ per step by the core's own bisection, one aggregation of the
 *       acceptance sum per step of the bisection ({@link #solveLambda});</li>
 *   <li>statistics (§5): each row's sums from {@code Jackpot.statistics} of that row, reduced in row
 *       order on the driver (4 doubles per sequence travel there) — the very additions the core makes, so κ and the denominators are
 *       bit-identical to the single JVM's;</li>
 *   <li>{@code Jackpot.compute(config, row, global)} for every row: weights, accept mask and the row's
 *       loss contribution to {@code tokens.parquet}; the metric sums (§10) recombined into
 *       {@code metrics.json}.</li>
 * </ol>
 * Output goes to a temporary directory beside {@code out}, renamed at the end; a failed job leaves
 * nothing behind.
 */
public final class SparkJackpot {
    /** How λ is found in budget mode. */
    public enum LambdaSolver {
        /** One distributed aggregation per bisection step; the ordered gather only where a comparison is too close to call. */
        DISTRIBUTED,
        /** Always gather each step's log-ratios in order to the driver and call {@code Jackpot.solveLambda}. */
        GATHER
    }

    /** Options of {@link #score}. */
    public static final class Options {
        /** Partitions of the scoring (0: Spark's default parallelism). */
        public int partitions;
        /** Rows per JackpotBatch built inside a partition. */
        public int chunkRows = 256;
        public LambdaSolver lambdaSolver = LambdaSolver.DISTRIBUTED;

        public Options partitions(int p) {
            partitions = p;
            return this;
        }

        public Options chunkRows(int r) {
            chunkRows = r;
            return this;
        }

        public Options lambdaSolver(LambdaSolver s) {
            lambdaSolver = s;
            return this;
        }
    }

    /** What {@link #score} computed for one step (also in metrics.json). */
    public static final class StepResult {
        public final long step;
        public final long sequences;
        public final int length;
        public final double lambda;
        /** How λ was found: "config", "bisection" (distributed), "gather" (ordered, on the driver) or "closed-form". */
        public final String lambdaMethod;
        /** Aggregations run to solve λ (0 outside budget mode). */
        public final int lambdaPasses;
        /** {N, Σ Mask, Σ a, Σ Zapprox, S}: the merged statistics (BatchStatistics.toArray order). */
        public final double[] statistics;
        public final double loss;
        public final Map<String, Double> metrics;

        StepResult(long step, long sequences, int length, double lambda, String lambdaMethod, int lambdaPasses,
                   double[] statistics, double loss, Map<String, Double> metrics) {
            this.step = step;
            this.sequences = sequences;
            this.length = length;
            this.lambda = lambda;
            this.lambdaMethod = lambdaMethod;
            this.lambdaPasses = lambdaPasses;
            this.statistics = statistics;
            this.loss = loss;
            this.metrics = metrics;
        }
    }

    private SparkJackpot() {
    }

    // ---------------------------------------------------------------- pass 1: rows and their shape

    /** Per step: rows, sequence range, longest row, k (with a row that has it, for errors). */
    static final class StepShape implements Serializable {
        private static final long serialVersionUID = 1L;
        long rows;
        long firstSequence = Long.MAX_VALUE;
        long lastSequence = Long.MIN_VALUE;
        int maxLength;
        int kMin = Integer.MAX_VALUE;
        long kMinSequence;
        int kMax = Integer.MIN_VALUE;
        long kMaxSequence;

        /** The shape of one row. */
        static StepShape of(RolloutLog.Sequence s) {
            StepShape one = new StepShape();
            one.rows = 1;
            one.firstSequence = one.lastSequence = one.kMinSequence = one.kMaxSequence = s.sequence;
            one.maxLength = s.length;
            one.kMin = one.kMax = s.k;
            return one;
        }

        StepShape merge(StepShape o) {
            rows += o.rows;
            firstSequence = Math.min(firstSequence, o.firstSequence);
            lastSequence = Math.max(lastSequence, o.lastSequence);
            maxLength = Math.max(maxLength, o.maxLength);
            if (o.kMin < kMin) {
                kMin = o.kMin;
                kMinSequence = o.kMinSequence;
            }
            if (o.kMax > kMax) {
                kMax = o.kMax;
                kMaxSequence = o.kMaxSequence;
            }
            return this;
        }
    }

    private static HashMap<Long, StepShape> mergeShapes(HashMap<Long, StepShape> a, HashMap<Long, StepShape> b) {
        for (Map.Entry<Long, StepShape> e : b.entrySet()) {
            a.merge(e.getKey(), e.getValue(), StepShape::merge);
        }
        return a;
    }

    /**
     * The log's rows, checked and sorted by (step, sequence) within each partition. No shuffle unless
     * {@code partitions} > 0, which spreads the rows over that many partitions (round-robin: a row's
     * neighbours usually land elsewhere, which the result must not notice).
     */
    static JavaRDD<RolloutLog.Sequence> readLog(SparkSession spark, String in, int partitions) {
        Dataset<Row> df = spark.read().parquet(in);
        RolloutLog.checkSchema(df.schema());
        df = df.select(columns(RolloutLog.SCHEMA.fieldNames()));
        if (partitions > 0) {
            df = df.repartition(partitions);
        }
        df = df.sortWithinPartitions(RolloutLog.STEP, RolloutLog.SEQUENCE);
        StructType schema = df.schema();
        return df.queryExecution().toRdd().toJavaRDD().mapPartitions(rows -> {
            RolloutLog.Reader reader = new RolloutLog.Reader(schema);
            return new Iterator<RolloutLog.Sequence>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public RolloutLog.Sequence next() {
                    return reader.read(rows.next());
                }
            };
        }, true);
    }

    private static org.apache.spark.sql.Column[] columns(String[] names) {
        org.apache.spark.sql.Column[] c = new org.apache.spark.sql.Column[names.length];
        for (int i = 0; i < names.length; i++) {
            c[i] = functions.col(names[i]);
        }
        return c;
    }

    // ---------------------------------------------------------------- the job

    /**
     * Scores {@code in} and writes {@code out}/tokens.parquet and {@code out}/metrics.json.
     * {@code settings} are MATH.md §11 keys (strings); {@code jackpot_log_probs_to_keep} defaults to
     * the log's k. Budget mode when {@code jackpot_target_acceptance} is set.
     *
     * @throws RolloutLogException for a log that does not follow the schema (column and row named)
     * @throws IllegalArgumentException for a bad configuration or an existing {@code out}
     */
    public static List<StepResult> score(SparkSession spark, String in, String out, Map<String, String> settings,
                                         Options options) throws IOException {
        Path outPath = new Path(out);
        FileSystem fs = outPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (fs.exists(outPath)) {
            throw new IllegalArgumentException("--out " + out + " already exists: choose a new directory");
        }
        Path tmp = temporaryBeside(outPath);
        JavaRDD<RolloutLog.Sequence> rows = null;
        JavaRDD<Scored> scored = null;
        try {
            phase("start");
            rows = readLog(spark, in, options.partitions).persist(StorageLevel.MEMORY_AND_DISK());
            List<StepResult> results = new ArrayList<>();
            scored = scoreRows(spark, rows, settings, options, results);
            Dataset<Row> tokens = spark.createDataFrame(scored.map(s -> s.row), RolloutLog.OUTPUT_SCHEMA);
            tokens.write().parquet(new Path(tmp, "tokens.parquet").toString());
            phase("pass 2: compute and write tokens.parquet");
            Runnable hook = afterTokensWritten;
            if (hook != null) {
                hook.run();
            }
            finishMetrics(scored, results);
            phase("metric sums");
            try (OutputStream o = fs.create(new Path(tmp, "metrics.json"), false)) {
                o.write(metricsJson(in, settings, results).getBytes(StandardCharsets.UTF_8));
            }
            if (!fs.rename(tmp, outPath)) {
                throw new IOException("could not rename " + tmp + " to " + outPath);
            }
            return results;
        } catch (Throwable e) { // Spark's SparkException is checked in Java's eyes but thrown unchecked
            deleteQuietly(fs, tmp);
            throw sneaky(unwrap(e));
        } finally {
            if (scored != null) {
                scored.unpersist(false);
            }
            if (rows != null) {
                rows.unpersist(false);
            }
        }
    }

    /** Test hook: runs after tokens.parquet is written to the temporary directory. */
    static volatile Runnable afterTokensWritten;

    private static final boolean VERBOSE = Boolean.getBoolean("jackpot.spark.verbose");
    private static long phaseStart = System.nanoTime();

    /** With -Djackpot.spark.verbose=true, the seconds each phase took, on stderr. */
    static void phase(String name) {
        long now = System.nanoTime();
        if (VERBOSE) {
            System.err.printf(java.util.Locale.ROOT, "jackpot-spark: %-40s %.2f s%n", name, (now - phaseStart) / 1e9);
        }
        phaseStart = now;
    }

    static Path temporaryBeside(Path out) {
        return new Path(out.getParent(), "." + out.getName() + ".tmp-" + UUID.randomUUID());
    }

    static void deleteQuietly(FileSystem fs, Path p) {
        try {
            fs.delete(p, true);
        } catch (IOException | RuntimeException ignored) {
            // best effort: the original error matters more
        }
    }

    /** Rethrows any throwable unchanged (checked or not). */
    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
        throw (E) e;
    }

    /** A rollout-log error raised inside a task, thrown again as itself (Spark wraps task failures); else e. */
    static Throwable unwrap(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof RolloutLogException) {
                throw (RolloutLogException) c;
            }
        }
        String m = e.getMessage();
        String tag = RolloutLogException.class.getName() + ": ";
        if (m != null && m.contains(tag)) {
            String rest = m.substring(m.indexOf(tag) + tag.length());
            int end = rest.indexOf('\n');
            throw new RolloutLogException(end >= 0 ? rest.substring(0, end) : rest, e);
        }
        return e;
    }

    /** One scored row: the output row, its step and its metric sums. */
    static final class Scored implements Serializable {
        private static final long serialVersionUID = 1L;
        final long step;
        final Row row;
        final double[] sums;
        final double maxWeight;
        final double minWeight;
        final double kappa;

        Scored(long step, Row row, double[] sums, double maxWeight, double minWeight, double kappa) {
            this.step = step;
            this.row = row;
            this.sums = sums;
            this.maxWeight = maxWeight;
            this.minWeight = minWeight;
            this.kappa = kappa;
        }
    }

    // indices of Scored.sums
    static final int LOSS = 0;
    static final int ACCEPTED_WEIGHT = 1;
    static final int ACCEPTED_WEIGHT_SQ = 2;
    static final int OBRS_CLIPPED = 3;
    static final int RESIDUAL_CLIPPED = 4;
    static final int UNION = 5;
    static final int ROLLOUT_MASS = 6;
    static final int TARGET_MASS = 7;
    static final int KL_K1 = 8;
    static final int KL_K3 = 9;
    static final int PG_CLIPPED = 10;
    static final int PG_CLIPPED_LOWER = 11;
    static final int PPO_KL = 12;
    static final int SUMS = 13;

    /** Per step: λ, the five merged sums, the covered sequence range and T; handed to the tasks. */
    static final class StepScope implements Serializable {
        private static final long serialVersionUID = 1L;
        final double lambda;
        final double[] sums;
        final long first;
        final long end;
        final int length;

        StepScope(double lambda, double[] sums, long first, long end, int length) {
            this.lambda = lambda;
            this.sums = sums;
            this.first = first;
            this.end = end;
            this.length = length;
        }
    }

    private static JavaRDD<Scored> scoreRows(SparkSession spark, JavaRDD<RolloutLog.Sequence> rows,
                                             Map<String, String> settings, Options options,
                                             List<StepResult> results) {
        TreeMap<Long, StepShape> shapes = new TreeMap<>(rows.mapPartitions(it -> {
            HashMap<Long, StepShape> m = new HashMap<>();
            while (it.hasNext()) {
                RolloutLog.Sequence s = it.next();
                m.merge(s.step, StepShape.of(s), StepShape::merge);
            }
            return Collections.singletonList(m).iterator();
        }).fold(new HashMap<>(), SparkJackpot::mergeShapes));
        if (shapes.isEmpty()) {
            throw new RolloutLogException("the rollout log has no rows");
        }
        int k = shapes.firstEntry().getValue().kMin;
        for (StepShape s : shapes.values()) {
            if (s.kMin != s.kMax || s.kMin != k) {
                StepShape first = shapes.firstEntry().getValue();
                long seqA = s.kMin != k ? s.kMinSequence : s.kMaxSequence;
                int kA = s.kMin != k ? s.kMin : s.kMax;
                throw new RolloutLogException("column '" + RolloutLog.K + "' is " + kA + " in the row of sequence " + seqA
                        + " but " + k + " in the row of sequence " + first.kMinSequence + ": one k per log");
            }
        }
        phase("read, check and cache the log");
        HashMap<String, String> conf = new HashMap<>(settings);
        conf.putIfAbsent("jackpot_log_probs_to_keep", Integer.toString(k));
        JackpotConfig base = JackpotConfig.fromMap(conf);
        if (base.topK() != k) {
            throw new IllegalArgumentException("jackpot_log_probs_to_keep = " + base.topK() + " but the log's column '"
                    + RolloutLog.K + "' is " + k);
        }
        HashMap<Long, Integer> lengths = new HashMap<>();
        for (Map.Entry<Long, StepShape> e : shapes.entrySet()) {
            lengths.put(e.getKey(), e.getValue().maxLength);
        }

        // budget mode: λ per step
        HashMap<Long, Double> lambdas = new HashMap<>();
        HashMap<Long, String> methods = new HashMap<>();
        HashMap<Long, Integer> passes = new HashMap<>();
        if (base.budgetMode()) {
            boolean latest = base.target() == io.github.jackpot4j.core.Target.LATEST;
            JavaRDD<Deltas> deltas = rows.map(s -> Deltas.of(s, latest))
                    .persist(StorageLevel.MEMORY_AND_DISK());
            try {
                for (long step : shapes.keySet()) {
                    LambdaSolve solve = solveLambda(deltas.filter(d -> d.step == step), base, step,
                            options.lambdaSolver);
                    lambdas.put(step, solve.lambda);
                    methods.put(step, solve.method);
                    passes.put(step, solve.passes);
                }
            } finally {
                deltas.unpersist(false);
            }
        } else {
            for (long step : shapes.keySet()) {
                lambdas.put(step, base.lambda());
                methods.put(step, "config");
                passes.put(step, 0);
            }
        }

        phase("budget mode: λ");
        // statistics: each row's sums, reduced in global row order on the driver (the core's own additions)
        int chunkRows = options.chunkRows;
        HashMap<Long, Double> lambdaOf = lambdas;
        JavaRDD<RowSums> rowSums = rows.mapPartitions(it -> {
            HashMap<Long, JackpotConfig> configs = new HashMap<>();
            Iterator<Chunks.Chunk> chunks = Chunks.of(it, chunkRows);
            List<RowSums> out = new ArrayList<>();
            while (chunks.hasNext()) {
                Chunks.Chunk c = chunks.next();
                JackpotConfig scoped = configs.computeIfAbsent(c.step, s -> scopedConfig(conf, lambdaOf.get(s)));
                JackpotBatch batch = Chunks.batch(c, Chunks.lengthOf(lengths, c.step), k);
                List<JackpotBatch> parts = batch.split(1);
                double[] sums = new double[4 * parts.size()];
                for (int r = 0; r < parts.size(); r++) {
                    double[] s = Jackpot.statistics(scoped, parts.get(r)).toArray();
                    System.arraycopy(s, 0, sums, 4 * r, 4);
                }
                out.add(new RowSums(c.step, c.first, sums));
            }
            return out.iterator();
        }, true);
        List<RowSums> chunkSums = new ArrayList<>(rowSums.collect());
        chunkSums.sort((a, b) -> a.step != b.step ? Long.compare(a.step, b.step) : Long.compare(a.first, b.first));
        TreeMap<Long, double[]> statistics = new TreeMap<>();
        long lastStep = Long.MIN_VALUE;
        long lastSequence = Long.MIN_VALUE;
        for (RowSums c : chunkSums) {
            if (c.step == lastStep && c.first <= lastSequence) {
                throw new RolloutLogException("column '" + RolloutLog.SEQUENCE + "': sequence " + c.first + " of step "
                        + c.step + " appears in two rows; each global sequence index must be unique within its step");
            }
            double[] s = statistics.computeIfAbsent(c.step, x -> new double[BatchStatistics.ARRAY_LENGTH]);
            int n = c.sums.length / 4;
            for (int r = 0; r < n; r++) { // as JackpotKernel.localStatistics: valid += ..., in row order
                s[0] += c.sums[4 * r];
                s[1] += c.sums[4 * r + 1];
                s[2] += c.sums[4 * r + 2];
                s[3] += c.sums[4 * r + 3];
                if (c.sums[4 * r + 1] > 0) {
                    s[4]++;
                }
            }
            lastStep = c.step;
            lastSequence = c.first + n - 1;
        }
        phase("statistics");
        HashMap<Long, StepScope> scopes = new HashMap<>();
        for (Map.Entry<Long, StepShape> e : shapes.entrySet()) {
            StepShape sh = e.getValue();
            scopes.put(e.getKey(), new StepScope(lambdas.get(e.getKey()), statistics.get(e.getKey()), sh.firstSequence,
                    sh.lastSequence + 1, sh.maxLength));
            results.add(new StepResult(e.getKey(), sh.rows, sh.maxLength, lambdas.get(e.getKey()),
                    methods.get(e.getKey()), passes.get(e.getKey()), statistics.get(e.getKey()).clone(), Double.NaN,
                    null));
        }

        // pass 2: every row computed with the step's merged statistics
        return rows.mapPartitions(it -> {
            HashMap<Long, JackpotConfig> configs = new HashMap<>();
            HashMap<Long, BatchStatistics> globals = new HashMap<>();
            Iterator<Chunks.Chunk> chunks = Chunks.of(it, chunkRows);
            List<Scored> out = new ArrayList<>();
            while (chunks.hasNext()) {
                Chunks.Chunk c = chunks.next();
                StepScope scope = scopes.get(c.step);
                JackpotConfig scoped = configs.computeIfAbsent(c.step, s -> scopedConfig(conf, scope.lambda));
                BatchStatistics global = globals.computeIfAbsent(c.step, s -> BatchStatistics.of(scope.sums, scoped,
                        scoped.lambda(), s, scope.first, scope.end - scope.first));
                JackpotBatch batch = Chunks.batch(c, scope.length, k);
                List<JackpotBatch> parts = batch.split(1);
                for (int r = 0; r < parts.size(); r++) {
                    RolloutLog.Sequence s = c.rows.get(r);
                    JackpotResult res = Jackpot.compute(scoped, parts.get(r), global);
                    out.add(scoredRow(s, res));
                }
            }
            return out.iterator();
        }, true).persist(StorageLevel.MEMORY_AND_DISK());
    }

    /** The configuration of one step: the settings, with λ fixed (the solved one in budget mode). */
    static JackpotConfig scopedConfig(Map<String, String> settings, double lambda) {
        return JackpotConfig.fromMap(settings).withLambda(lambda);
    }

    /** The sums of one chunk's rows: {N, Σ Mask, Σ a, Σ Zapprox} per row. */
    static final class RowSums implements Serializable {
        private static final long serialVersionUID = 1L;
        final long step;
        final long first;
        final double[] sums;

        RowSums(long step, long first, double[] sums) {
            this.step = step;
            this.first = first;
            this.sums = sums;
        }
    }

    private static Scored scoredRow(RolloutLog.Sequence s, JackpotResult res) {
        int t = s.length;
        float[] weights = java.util.Arrays.copyOf(res.weights(), t);
        int[] accept = new int[t];
        double valid = 0;
        double accepted = 0;
        for (int i = 0; i < t; i++) {
            accept[i] = res.acceptMask()[i] != 0f ? 1 : 0;
            valid += s.responseMask[i];
            accepted += s.responseMask[i] != 0f ? accept[i] : 0;
        }
        double[] m = new double[SUMS];
        m[LOSS] = res.loss();
        m[ACCEPTED_WEIGHT] = res.metric(JackpotMetric.WEIGHT_MEAN) * accepted;
        double ess = res.metric(JackpotMetric.ESS);
        m[ACCEPTED_WEIGHT_SQ] = ess > 0 ? m[ACCEPTED_WEIGHT] * m[ACCEPTED_WEIGHT] / (accepted * ess) : 0.0;
        m[OBRS_CLIPPED] = Math.rint(res.metric(JackpotMetric.OBRS_CLIP_FRAC) * valid);
        m[RESIDUAL_CLIPPED] = Math.rint(res.metric(JackpotMetric.RESIDUAL_CLIP_FRAC) * valid);
        m[UNION] = Math.rint(res.metric(JackpotMetric.UNION_SIZE_MEAN) * valid);
        m[ROLLOUT_MASS] = res.metric(JackpotMetric.ROLLOUT_MASS) * valid;
        m[TARGET_MASS] = res.metric(JackpotMetric.TARGET_MASS) * valid;
        m[KL_K1] = res.metric(JackpotMetric.KL_K1) * valid;
        m[KL_K3] = res.metric(JackpotMetric.KL_K3) * valid;
        m[PG_CLIPPED] = Math.rint(res.metric(JackpotMetric.PG_CLIPFRAC) * valid);
        m[PG_CLIPPED_LOWER] = Math.rint(res.metric(JackpotMetric.PG_CLIPFRAC_LOWER) * valid);
        m[PPO_KL] = res.metric(JackpotMetric.PPO_KL) * valid;
        double max = accepted > 0 ? res.metric(JackpotMetric.WEIGHT_MAX) : Double.NEGATIVE_INFINITY;
        double min = accepted > 0 ? res.metric(JackpotMetric.WEIGHT_MIN) : Double.POSITIVE_INFINITY;
        Row row = RowFactory.create(s.sequence, s.step, t, weights, accept, res.loss());
        return new Scored(s.step, row, m, max, min, res.kappa());
    }

    /** Metric sums of one step: exact-ish sums, max/min weight, κ. */
    static final class MetricAgg implements Serializable {
        private static final long serialVersionUID = 1L;
        final ExactSum[] sums = new ExactSum[SUMS];
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        double kappa = Double.NaN;

        MetricAgg() {
            for (int i = 0; i < SUMS; i++) {
                sums[i] = new ExactSum();
            }
        }

        MetricAgg add(Scored s) {
            for (int i = 0; i < SUMS; i++) {
                sums[i].add(s.sums[i]);
            }
            max = Math.max(max, s.maxWeight);
            min = Math.min(min, s.minWeight);
            kappa = s.kappa;
            return this;
        }

        MetricAgg merge(MetricAgg o) {
            for (int i = 0; i < SUMS; i++) {
                sums[i].merge(o.sums[i]);
            }
            max = Math.max(max, o.max);
            min = Math.min(min, o.min);
            if (Double.isNaN(kappa)) {
                kappa = o.kappa;
            }
            return this;
        }
    }

    private static HashMap<Long, MetricAgg> addScored(HashMap<Long, MetricAgg> m, Scored s) {
        m.computeIfAbsent(s.step, x -> new MetricAgg()).add(s);
        return m;
    }

    private static HashMap<Long, MetricAgg> mergeAggs(HashMap<Long, MetricAgg> a, HashMap<Long, MetricAgg> b) {
        for (Map.Entry<Long, MetricAgg> e : b.entrySet()) {
            a.merge(e.getKey(), e.getValue(), MetricAgg::merge);
        }
        return a;
    }

    private static void finishMetrics(JavaRDD<Scored> scored, List<StepResult> results) {
        HashMap<Long, MetricAgg> aggs = scored.treeAggregate(new HashMap<>(), SparkJackpot::addScored,
                SparkJackpot::mergeAggs);
        for (int i = 0; i < results.size(); i++) {
            StepResult r = results.get(i);
            MetricAgg a = aggs.get(r.step);
            double[] st = r.statistics;
            double valid = st[0];
            double accepted = st[1];
            double w = a.sums[ACCEPTED_WEIGHT].value();
            double wsq = a.sums[ACCEPTED_WEIGHT_SQ].value();
            Map<String, Double> m = new LinkedHashMap<>();
            m.put(JackpotMetric.ACCEPTANCE_RATE.key(), mean(accepted, valid));
            m.put(JackpotMetric.EXPECTED_ACCEPTANCE.key(), mean(st[2], valid));
            m.put(JackpotMetric.Z_APPROX_MEAN.key(), mean(st[3], valid));
            m.put(JackpotMetric.KAPPA.key(), Double.isNaN(a.kappa) ? 1.0 : a.kappa);
            m.put(JackpotMetric.LAMBDA.key(), r.lambda);
            m.put(JackpotMetric.WEIGHT_MEAN.key(), mean(w, accepted));
            m.put(JackpotMetric.WEIGHT_MAX.key(), accepted > 0 ? a.max : 0.0);
            m.put(JackpotMetric.WEIGHT_MIN.key(), accepted > 0 ? a.min : 0.0);
            m.put(JackpotMetric.OBRS_CLIP_FRAC.key(), mean(a.sums[OBRS_CLIPPED].value(), valid));
            m.put(JackpotMetric.RESIDUAL_CLIP_FRAC.key(), mean(a.sums[RESIDUAL_CLIPPED].value(), valid));
            m.put(JackpotMetric.UNION_SIZE_MEAN.key(), mean(a.sums[UNION].value(), valid));
            m.put(JackpotMetric.ROLLOUT_MASS.key(), mean(a.sums[ROLLOUT_MASS].value(), valid));
            m.put(JackpotMetric.TARGET_MASS.key(), mean(a.sums[TARGET_MASS].value(), valid));
            m.put(JackpotMetric.KL_K1.key(), mean(a.sums[KL_K1].value(), valid));
            m.put(JackpotMetric.KL_K3.key(), mean(a.sums[KL_K3].value(), valid));
            m.put(JackpotMetric.ESS.key(), wsq > 0 ? w * w / (accepted * wsq) : 0.0);
            m.put(JackpotMetric.PG_CLIPFRAC.key(), mean(a.sums[PG_CLIPPED].value(), valid));
            m.put(JackpotMetric.PG_CLIPFRAC_LOWER.key(), mean(a.sums[PG_CLIPPED_LOWER].value(), valid));
            m.put(JackpotMetric.PPO_KL.key(), mean(a.sums[PPO_KL].value(), valid));
            results.set(i, new StepResult(r.step, r.sequences, r.length, r.lambda, r.lambdaMethod, r.lambdaPasses,
                    r.statistics, a.sums[LOSS].value(), Collections.unmodifiableMap(m)));
        }
    }

    private static double mean(double sum, double count) {
        return count > 0 ? sum / count : 0.0;
    }

    static String metricsJson(String in, Map<String, String> settings, List<StepResult> results) {
        StringBuilder b = new StringBuilder();
        b.append("{\n  \"input\": ").append(quote(in)).append(",\n  \"settings\": {");
        String sep = "";
        for (Map.Entry<String, String> e : new TreeMap<>(settings).entrySet()) {
            b.append(sep).append(quote(e.getKey())).append(": ").append(quote(e.getValue()));
            sep = ", ";
        }
        b.append("},\n  \"steps\": [");
        sep = "\n";
        for (StepResult r : results) {
            b.append(sep).append("    {\"step\": ").append(r.step)
                    .append(", \"sequences\": ").append(r.sequences)
                    .append(", \"length\": ").append(r.length)
                    .append(", \"lambda\": ").append(r.lambda)
                    .append(", \"lambda_method\": ").append(quote(r.lambdaMethod))
                    .append(", \"lambda_passes\": ").append(r.lambdaPasses)
                    .append(",\n     \"statistics\": {\"valid_tokens\": ").append(r.statistics[0])
                    .append(", \"accepted_tokens\": ").append(r.statistics[1])
                    .append(", \"sum_acceptance\": ").append(r.statistics[2])
                    .append(", \"sum_z_approx\": ").append(r.statistics[3])
                    .append(", \"sequences_with_accepted_tokens\": ").append(r.statistics[4]).append("},")
                    .append("\n     \"loss\": ").append(r.loss)
                    .append(",\n     \"metrics\": {");
            String s2 = "";
            for (Map.Entry<String, Double> e : r.metrics.entrySet()) {
                b.append(s2).append("\n       ").append(quote(e.getKey())).append(": ").append(e.getValue());
                s2 = ",";
            }
            b.append("}}");
            sep = ",\n";
        }
        b.append("\n  ]\n}\n");
        return b.toString();
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    // ---------------------------------------------------------------- budget mode (MATH.md §9)

    /** A row's log-ratios Δ = ℓ_tgt − ℓ_inf over its valid tokens, as the core's solver sees them. */
    static final class Deltas implements Serializable {
        private static final long serialVersionUID = 1L;
        final long step;
        final long sequence;
        final long valid;
        final long alwaysAccepted;
        final double[] finite;
        /** The (ℓ_tgt, ℓ_inf) pairs of the valid tokens, in order, for the ordered gather. */
        final float[] pairs;

        Deltas(long step, long sequence, long valid, long alwaysAccepted, double[] finite, float[] pairs) {
            this.step = step;
            this.sequence = sequence;
            this.valid = valid;
            this.alwaysAccepted = alwaysAccepted;
            this.finite = finite;
            this.pairs = pairs;
        }

        static Deltas of(RolloutLog.Sequence s, boolean latest) {
            float[] target = latest ? s.logProbs : s.oldLogProbs;
            double[] finite = new double[s.length];
            float[] pairs = new float[2 * s.length];
            int n = 0;
            int v = 0;
            long always = 0;
            for (int i = 0; i < s.length; i++) {
                if (s.responseMask[i] == 0f) {
                    continue;
                }
                pairs[2 * v] = target[i];
                pairs[2 * v + 1] = s.rolloutLogProbs[i];
                v++;
                double x = target[i];
                double y = s.rolloutLogProbs[i];
                double d = x == y ? 0.0 : x - y; // LogRatio.of
                if (d == Double.POSITIVE_INFINITY) {
                    always++;
                } else if (d != Double.NEGATIVE_INFINITY) {
                    finite[n++] = d;
                }
            }
            return new Deltas(s.step, s.sequence, v, always, java.util.Arrays.copyOf(finite, n),
                    java.util.Arrays.copyOf(pairs, 2 * v));
        }
    }

    /** The λ-free part of the solver: N, n₊, number of finite Δ, min and max Δ. */
    static final class DeltaShape implements Serializable {
        private static final long serialVersionUID = 1L;
        long valid;
        long alwaysAccepted;
        long finite;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;

        DeltaShape add(Deltas d) {
            valid += d.valid;
            alwaysAccepted += d.alwaysAccepted;
            finite += d.finite.length;
            for (double x : d.finite) {
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
            return this;
        }

        DeltaShape merge(DeltaShape o) {
            valid += o.valid;
            alwaysAccepted += o.alwaysAccepted;
            finite += o.finite;
            min = Math.min(min, o.min);
            max = Math.max(max, o.max);
            return this;
        }
    }

    /** The outcome of a budget solve. */
    static final class LambdaSolve {
        final double lambda;
        final String method;
        final int passes;

        LambdaSolve(double lambda, String method, int passes) {
            this.lambda = lambda;
            this.method = method;
            this.passes = passes;
        }
    }

    private static final double LOG_TOLERANCE = 1e-7; // BudgetSolver's
    private static final double BEYOND = 40.0;        // BudgetSolver's

    /**
     * λ of one step, equal to {@code Jackpot.solveLambda(config, oneBatchOfTheStep)} bit for bit. It
     * runs the core's algorithm (BudgetSolver) step by step: the same bracket [min Δ, max Δ], the same
     * midpoints, the same stopping rule, the same edge cases. The only quantity that depends on the
     * order of additions is the mean acceptance Σ min(1, exp(Δ − log λ)) / N that each bisection step
     * compares with ā; it is aggregated in double-double arithmetic with a rigorous bound on how far
     * the core's left-to-right double sum can lie from it, and the comparison is decided when both ends
     * of that interval fall on the same side of ā — which then is the side the core's sum falls on.
     * When they do not (a sum within ~N·2^-53 of ā·N), or when the root lies above max Δ (the core's
     * closed form, whose value depends on the order of its additions), the step's (ℓ_tgt, ℓ_inf) pairs
     * are gathered in row order to the driver and the core's own solver is called on them.
     */
    static LambdaSolve solveLambda(JavaRDD<Deltas> deltas, JackpotConfig config, long step, LambdaSolver mode) {
        if (mode == LambdaSolver.GATHER) {
            return new LambdaSolve(gather(deltas, config, step), "gather", 1);
        }
        double target = config.targetAcceptance();
        DeltaShape shape = deltas.treeAggregate(new DeltaShape(), DeltaShape::add, DeltaShape::merge);
        int passes = 1;
        if (shape.finite == 0) {
            return new LambdaSolve(config.lambda(), "fallback", passes);
        }
        double reachable = (double) (shape.alwaysAccepted + shape.finite) / shape.valid;
        if (target >= reachable) {
            return new LambdaSolve(Math.exp(shape.min), "edge", passes);
        }
        double floor = (double) shape.alwaysAccepted / shape.valid;
        if (target <= floor) {
            return new LambdaSolve(Math.exp(shape.max + BEYOND), "edge", passes);
        }
        passes++;
        int probe = above(deltas, shape, shape.max, target);
        if (probe != BELOW) { // closed form (above max Δ) or too close to call: the ordered gather
            return new LambdaSolve(gather(deltas, config, step), probe == ABOVE ? "closed-form" : "gather", passes + 1);
        }
        double lo = shape.min;
        double hi = shape.max;
        while (hi - lo > LOG_TOLERANCE) {
            double mid = 0.5 * (lo + hi);
            passes++;
            int side = above(deltas, shape, mid, target);
            if (side == ABOVE) {
                lo = mid;
            } else if (side == BELOW) {
                hi = mid;
            } else {
                return new LambdaSolve(gather(deltas, config, step), "gather", passes + 1);
            }
        }
        return new LambdaSolve(Math.exp(0.5 * (lo + hi)), "bisection", passes);
    }

    static final int ABOVE = 1;
    static final int BELOW = -1;
    static final int UNSURE = 0;

    /** Whether the core's mean acceptance at log λ exceeds ā: {@link #ABOVE}, {@link #BELOW} or {@link #UNSURE}. */
    private static int above(JavaRDD<Deltas> deltas, DeltaShape shape, double logLambda, double target) {
        ExactSum s = deltas.treeAggregate(new ExactSum(), (acc, d) -> {
            for (double x : d.finite) {
                acc.add(Math.min(1.0, Math.exp(x - logLambda)));
            }
            return acc;
        }, ExactSum::merge);
        s.add(shape.alwaysAccepted);
        return decide(s, shape.finite, shape.valid, target);
    }

    /**
     * The side of ā on which the core's mean acceptance falls, from the double-double sum {@code s}
     * of n₊ and the {@code finite} terms min(1, exp(Δ − log λ)) ∈ [0, 1]: the core adds the terms to
     * n₊ left to right, so its sum lies within γ_n·Σ (n = finite, all terms ≥ 0) of the exact one;
     * the double-double sum is far closer than that (bounded here by n·2^-90·Σ). {@link #ABOVE} or
     * {@link #BELOW} when the whole interval lies on one side (then so does the core's sum: rounding
     * the division by N is monotone), else {@link #UNSURE}.
     */
    static int decide(ExactSum s, long finite, long valid, double target) {
        double sum = s.value();
        double n = finite + 1;
        double u = 0x1.0p-53;
        double gamma = n * u / (1 - n * u);
        double err = (gamma * sum + n * 0x1.0p-90 * s.absSum()) * 1.01 + Double.MIN_VALUE;
        double low = Math.nextDown(Math.nextDown(sum - err));
        double high = Math.nextUp(Math.nextUp(sum + err));
        if (low / valid > target) {
            return ABOVE;
        }
        if (!(high / valid > target)) {
            return BELOW;
        }
        return UNSURE;
    }

    /** The ordered gather: the step's (ℓ_tgt, ℓ_inf) pairs in row order, and the core's solver. */
    private static double gather(JavaRDD<Deltas> deltas, JackpotConfig config, long step) {
        List<scala.Tuple2<Long, float[]>> rows = new ArrayList<>(
                deltas.map(d -> new scala.Tuple2<>(d.sequence, d.pairs)).collect());
        rows.sort((a, b) -> Long.compare(a._1(), b._1()));
        int n = 0;
        for (scala.Tuple2<Long, float[]> d : rows) {
            n = Math.addExact(n, d._2().length / 2);
        }
        float[] target = new float[n];
        float[] rollout = new float[n];
        int t = 0;
        for (scala.Tuple2<Long, float[]> d : rows) {
            float[] pairs = d._2();
            for (int i = 0; i < pairs.length; i += 2) {
                target[t] = pairs[i];
                rollout[t] = pairs[i + 1];
                t++;
            }
        }
        JackpotBatch all = JackpotBatch.builder(1, n)
                .step(step)
                .rolloutLogProbs(rollout)
                .logProbs(target)
                .oldLogProbs(target)
                .advantages(new float[n])
                .build();
        return Jackpot.solveLambda(config, all);
    }
}
