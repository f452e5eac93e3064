package io.github.jackpot4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotResult;
import io.github.jackpot4j.examples.JackpotCommand;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code jackpot} command in-process, on .npz files the tests write, against the core API. */
class CommandLineTest {
    static final int B = 3;
    static final int T = 4;
    static final int K = 3;
    static final int V = 12;
    private static Map<String, Object> arrays;

    @TempDir
    Path dir;

    /**
     * A consistent random batch (explicit distributions over V tokens) as named host arrays, made once
     * and shared by the CLI tests (read-only: a test that changes an array clones it first).
     */
    static synchronized Map<String, Object> arrays() {
        if (arrays == null) {
            arrays = newArrays();
        }
        return arrays;
    }

    private static Map<String, Object> newArrays() {
        SplittableRandom rng = new SplittableRandom(4);
        int n = B * T;
        float[] mask = new float[n];
        float[] rollout = new float[n];
        float[] old = new float[n];
        float[] now = new float[n];
        float[] adv = new float[n];
        long[] rIds = new long[n * K];
        float[] rTop = new float[n * K];
        int[] tIds = new int[n * K];
        float[] tTop = new float[n * K];
        float[] tAtR = new float[n * K];
        for (int t = 0; t < n; t++) {
            double[] q = logSoftmax(rng, null, 0);
            double[] p = logSoftmax(rng, q, 0.8);
            int token = rng.nextInt(V);
            mask[t] = t % T == T - 1 && t / T == 2 ? 0f : 1f;
            rollout[t] = (float) q[token];
            now[t] = (float) p[token];
            old[t] = (float) Math.min(0, p[token] + 0.1 * rng.nextGaussian());
            adv[t] = (float) rng.nextGaussian();
            int[] rt = top(q);
            int[] pt = top(p);
            for (int j = 0; j < K; j++) {
                rIds[t * K + j] = rt[j];
                rTop[t * K + j] = (float) q[rt[j]];
                tAtR[t * K + j] = (float) p[rt[j]];
                tIds[t * K + j] = pt[j];
                tTop[t * K + j] = (float) p[pt[j]];
            }
        }
        Map<String, Object> arrays = new LinkedHashMap<>();
        arrays.put("response_mask", mask);
        arrays.put("rollout_log_probs", rollout);
        arrays.put("old_log_probs", old);
        arrays.put("log_probs", now);
        arrays.put("advantages", adv);
        arrays.put("rollout_topk_ids", rIds);
        arrays.put("rollout_topk_log_probs", rTop);
        arrays.put("target_topk_ids", tIds);
        arrays.put("target_topk_log_probs", tTop);
        arrays.put("target_log_probs_at_rollout_topk", tAtR);
        return arrays;
    }

    private static double[] logSoftmax(SplittableRandom rng, double[] base, double noise) {
        double[] l = new double[V];
        double max = Double.NEGATIVE_INFINITY;
        for (int x = 0; x < V; x++) {
            l[x] = base == null ? 2 * rng.nextGaussian() : base[x] + noise * rng.nextGaussian();
            max = Math.max(max, l[x]);
        }
        double s = 0;
        for (double v : l) {
            s += Math.exp(v - max);
        }
        double log = max + Math.log(s);
        for (int x = 0; x < V; x++) {
            l[x] -= log;
        }
        return l;
    }

    private static int[] top(double[] lp) {
        int[] out = new int[K];
        boolean[] used = new boolean[V];
        for (int j = 0; j < K; j++) {
            int best = -1;
            for (int x = 0; x < V; x++) {
                if (!used[x] && (best < 0 || lp[x] > lp[best])) {
                    best = x;
                }
            }
            used[best] = true;
            out[j] = best;
        }
        return out;
    }

    /** The shared arrays as a core batch of the given training step. */
    static JackpotBatch coreBatch(long step) {
        Map<String, Object> arrays = arrays();
        return JackpotBatch.builder(B, T, K).step(step)
                .responseMask((float[]) arrays.get("response_mask"))
                .rolloutLogProbs((float[]) arrays.get("rollout_log_probs"))
                .oldLogProbs((float[]) arrays.get("old_log_probs"))
                .logProbs((float[]) arrays.get("log_probs"))
                .advantages((float[]) arrays.get("advantages"))
                .rolloutTopK((long[]) arrays.get("rollout_topk_ids"), (float[]) arrays.get("rollout_topk_log_probs"))
                .targetTopK((int[]) arrays.get("target_topk_ids"), (float[]) arrays.get("target_topk_log_probs"))
                .targetLogProbsAtRolloutTopK((float[]) arrays.get("target_log_probs_at_rollout_topk"))
                .build();
    }

    /** Writes the arrays (minus {@code skip}, with renames) as np.savez would, optionally compressed. */
    Path npz(String name, boolean compressed, String skip, Map<String, String> rename, boolean asDouble) throws IOException {
        Path file = dir.resolve(name);
        try (NDManager m = NDManager.newBaseManager(); OutputStream out = Files.newOutputStream(file)) {
            NDList list = new NDList();
            for (Map.Entry<String, Object> e : arrays().entrySet()) {
                if (e.getKey().equals(skip)) {
                    continue;
                }
                Object v = e.getValue();
                boolean lists = e.getKey().contains("topk");
                Shape shape = lists ? new Shape(B, T, K) : new Shape(B, T);
                NDArray a = v instanceof float[] ? m.create((float[]) v, shape)
                        : v instanceof long[] ? m.create((long[]) v, shape) : m.create((int[]) v, shape);
                if (asDouble && v instanceof float[]) {
                    a = a.toType(ai.djl.ndarray.types.DataType.FLOAT64, false);
                }
                a.setName(rename.getOrDefault(e.getKey(), e.getKey()));
                list.add(a);
            }
            list.encode(out, NDList.Encoding.NPZ);
        }
        if (compressed) {
            Path deflated = dir.resolve("c-" + name);
            try (ZipInputStream in = new ZipInputStream(Files.newInputStream(file));
                 ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(deflated))) {
                out.setMethod(ZipOutputStream.DEFLATED); // what np.savez_compressed writes
                for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    out.putNextEntry(new ZipEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
            return deflated;
        }
        return file;
    }

    static final class Run {
        int status;
        String out;
        String err;
    }

    static Run jackpot(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Run r = new Run();
        r.status = JackpotCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        r.out = out.toString(StandardCharsets.UTF_8);
        r.err = err.toString(StandardCharsets.UTF_8);
        return r;
    }

    static Map<String, float[]> readResult(Path file) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager(); InputStream in = Files.newInputStream(file)) {
            for (NDArray a : NDList.decode(m, in)) {
                out.put(a.getName().replace(".npy", ""), a.toFloatArray());
            }
        }
        return out;
    }

    @Test
    void weightsMatchTheCoreForPlainAndCompressedFilesAndFloat64() throws IOException {
        JackpotConfig config = JackpotConfig.builder().topK(K).lambda(0.5).build();
        JackpotResult expected = Jackpot.compute(config, coreBatch(0));
        for (Path in : new Path[] {npz("b.npz", false, null, Map.of(), false), npz("b.npz", true, null, Map.of(), false),
                npz("d.npz", false, null, Map.of(), true)}) {
            Path out = dir.resolve("result.npz");
            Path metrics = dir.resolve("metrics.json");
            Run r = jackpot("weights", "--in", in.toString(), "--out", out.toString(), "--metrics", metrics.toString(),
                    "--set", "jackpot_lambda=0.5", "--step", "0");
            assertEquals(0, r.status, r.err);
            Map<String, float[]> result = readResult(out);
            assertArrayEquals(expected.weights(), result.get("weights"), 1e-6f, in.toString());
            assertArrayEquals(expected.acceptMask(), result.get("accept_mask"));
            assertArrayEquals(expected.zApprox(), result.get("z_approx"), 1e-6f);
            assertArrayEquals(expected.z(), result.get("z"), 1e-6f);
            assertArrayEquals(expected.perTokenLoss(), result.get("per_token_loss"), 1e-6f);
            assertArrayEquals(expected.gradLogProbs(), result.get("grad_log_probs"), 1e-6f);
            assertEquals(expected.loss(), result.get("loss")[0], 1e-6);
            String json = Files.readString(metrics);
            assertTrue(json.contains("\"jackpot/kappa\": " + expected.kappa()), json);
            assertTrue(json.trim().startsWith("{") && json.trim().endsWith("}"));
        }
    }

    @Test
    void budgetPrintsTheCoresLambda() throws IOException {
        Path in = npz("b.npz", false, null, Map.of(), false);
        double expected = Jackpot.solveLambda(JackpotConfig.builder().topK(K).targetAcceptance(0.8).build(), coreBatch(0));
        Run r = jackpot("budget", "--in", in.toString(), "--target-acceptance", "0.8");
        assertEquals(0, r.status, r.err);
        assertEquals(expected, Double.parseDouble(r.out.trim()), 0.0);
    }

    @Test
    void missingMisnamedAndMisshapenArraysAreNamed() throws IOException {
        Path out = dir.resolve("r.npz");
        Run missing = jackpot("weights", "--in", npz("m.npz", false, "old_log_probs", Map.of(), false).toString(),
                "--out", out.toString());
        assertEquals(1, missing.status);
        assertTrue(missing.err.contains("has no array `old_log_probs`"), missing.err);
        assertEquals(1, missing.err.trim().split("\n").length, "one line");
        Run misnamed = jackpot("weights", "--in",
                npz("n.npz", false, null, Map.of("log_probs", "logprobs"), false).toString(), "--out", out.toString());
        assertEquals(1, misnamed.status);
        assertTrue(misnamed.err.contains("unknown array `logprobs` (did you mean `log_probs`?)"), misnamed.err);
        Run noTopK = jackpot("weights", "--in", npz("k.npz", false, "target_topk_log_probs", Map.of(), false).toString(),
                "--out", out.toString());
        assertEquals(1, noTopK.status);
        assertTrue(noTopK.err.contains("target_topk_log_probs"), noTopK.err);
    }

    @Test
    void badArgumentsGiveOneLineAndExitTwo() throws IOException {
        Run unknown = jackpot("weights", "--inn", "x");
        assertEquals(2, unknown.status);
        assertEquals("jackpot weights: Unknown options: '--inn', 'x', did you mean --in? (try --help)", unknown.err.trim());
        Run noOut = jackpot("weights", "--in", "x.npz");
        assertEquals(2, noOut.status);
        assertTrue(noOut.err.contains("Missing required option: '--out=RESULT.npz'"), noOut.err);
        Run badKey = jackpot("weights", "--in", npz("b.npz", false, null, Map.of(), false).toString(), "--out",
                dir.resolve("o.npz").toString(), "--set", "jackpot_lamda=0.5");
        assertEquals(1, badKey.status);
        assertTrue(badKey.err.contains("did you mean `jackpot_lambda`"), badKey.err);
        Run noFile = jackpot("budget", "--in", dir.resolve("absent.npz").toString(), "--target-acceptance", "0.5");
        assertEquals(1, noFile.status);
        assertTrue(noFile.err.contains("no such file"), noFile.err);
        Run nonsense = jackpot("nonsense");
        assertEquals(2, nonsense.status);
        assertEquals("jackpot: unknown command 'nonsense' (try --help)", nonsense.err.trim());
        Run misspelt = jackpot("wieghts");
        assertEquals(2, misspelt.status);
        assertEquals("jackpot: unknown command 'wieghts', did you mean weights? (try --help)", misspelt.err.trim());
        Run twice = jackpot("weights", "--in", "a.npz", "--in", "b.npz", "--out", "o.npz");
        assertEquals(2, twice.status);
        assertEquals("jackpot weights: option '--in' (BATCH.npz) should be specified only once (try --help)",
                twice.err.trim());
        Run badSet = jackpot("weights", "--in", "a.npz", "--out", "o.npz", "--set", "jackpot_lambda");
        assertEquals(2, badSet.status);
        assertEquals("jackpot weights: Value for option '--set' (key=value) should be in KEY=VALUE format but was"
                + " jackpot_lambda (try --help)", badSet.err.trim());
        for (String command : new String[] {"weights", "budget", "calibrate", "quickstart", "demo", "sweep"}) {
            Run help = jackpot(command, "--help");
            assertEquals(0, help.status, command);
            assertTrue(help.out.contains("Usage: jackpot " + command + " ["), help.out);
            assertEquals(help.out, jackpot("help", command).out, "jackpot help " + command);
        }
        Run all = jackpot("--help");
        assertEquals(0, all.status);
        for (String command : new String[] {"quickstart", "demo", "sweep", "weights", "budget", "calibrate"}) {
            assertTrue(all.out.contains("\n  " + command + " "), all.out);
        }
        assertTrue(Files.readString(Path.of("../docs/cli.md")).contains("$ java -jar examples/target/jackpot.jar --help\n"
                + all.out), "docs/cli.md shows the current 'jackpot --help':\n" + all.out);
    }

    @Test
    void noCommandIsTheQuickstart() {
        Run none = jackpot();
        assertEquals(0, none.status, none.err);
        assertTrue(none.out.startsWith("Jackpot loss of a built-in batch: B=4, T=6, V=50, k=5"), none.out);
        assertEquals(none.out, jackpot("quickstart").out);
    }

    @Test
    void calibrateWritesTableCsvAndCharts() {
        Run r = jackpot("calibrate", "--vocab", "500", "--out", dir.toString());
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("few-disagree"), r.out);
        assertTrue(Files.exists(dir.resolve("calibration.csv")));
        assertTrue(Files.exists(dir.resolve("calibration-acceptance.png")));
        assertTrue(Files.exists(dir.resolve("calibration-kl.png")));
    }

    @Test
    void calibrationAcceptanceIsTheMinSumAndOBRSNeverIncreasesKl() {
        // Theorem 3.3 on every simulated setting, and acceptance Z = Σ min(q, p/λ) within [0, 1]
        for (CalibrateCommand.Row row : CalibrateCommand.simulate(300, 2)) {
            assertTrue(row.acceptance() > 0 && row.acceptance() <= 1 + 1e-12, row.toString());
            assertTrue(row.klPqTilde() <= row.klPq() + 1e-12, row.toString());
        }
    }
}
