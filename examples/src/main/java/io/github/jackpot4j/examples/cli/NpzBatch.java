package io.github.jackpot4j.examples.cli;

import io.github.jackpot4j.core.FloatView;
import io.github.jackpot4j.core.IdView;
import io.github.jackpot4j.core.JackpotBatch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A batch read from a numpy {@code .npz} (written by {@code np.savez} or {@code np.savez_compressed})
 * whose arrays carry the MATH.md §1 names, read with the strict {@link NpzReader}. Value arrays may be
 * float32 or float64, ids int32 or int64, {@code response_mask} float32/float64/int32/int64/bool, and an
 * optional scalar int32/int64 {@code step} gives the training step of the rejection draws (MATH.md §3).
 */
final class NpzBatch {
    /** Every array name a batch file may hold. */
    static final List<String> NAMES = List.of("response_mask", "rollout_log_probs", "old_log_probs", "log_probs",
            "advantages", "rollout_topk_ids", "rollout_topk_log_probs", "target_topk_ids", "target_topk_log_probs",
            "target_log_probs_at_rollout_topk", "rollout_log_probs_at_target_topk", "uniforms", "step");
    private static final List<String> REQUIRED = List.of("log_probs", "old_log_probs", "rollout_log_probs",
            "advantages");
    private static final List<String> TOKEN = List.of("log_probs", "old_log_probs", "rollout_log_probs", "advantages",
            "response_mask", "uniforms");
    private static final List<String> TOP_K = List.of("rollout_topk_ids", "rollout_topk_log_probs", "target_topk_ids",
            "target_topk_log_probs", "target_log_probs_at_rollout_topk");
    private static final List<String> ALL_TOP_K = List.of("rollout_topk_ids", "rollout_topk_log_probs",
            "target_topk_ids", "target_topk_log_probs", "target_log_probs_at_rollout_topk",
            "rollout_log_probs_at_target_topk");
    private static final Set<String> FLOATS = Set.of("<f4", "<f8");
    private static final Set<String> INTS = Set.of("<i4", "<i8");
    private static final Set<String> MASK = Set.of("<f4", "<f8", "<i4", "<i8", "|b1");

    private NpzBatch() {
    }

    /** The arrays of one batch file, checked by name and dtype (shapes are checked by {@link #toBatch}). */
    record Loaded(Path file, Map<String, NpzReader.Array> arrays) {
        boolean has(String name) {
            return arrays.containsKey(name);
        }

        long[] shape(String name) {
            return arrays.get(name).shape();
        }

        /** The top-k length k of the file (0 when it has no top-k arrays). */
        int topK() {
            for (String name : ALL_TOP_K) {
                NpzReader.Array a = arrays.get(name);
                if (a != null && a.shape().length == 3) {
                    return (int) Math.min(Integer.MAX_VALUE, a.shape()[2]);
                }
            }
            return 0;
        }

        /** The file's {@code step} (a scalar int ≥ 0), or null when it has none. */
        Long step() throws IOException {
            NpzReader.Array a = arrays.get("step");
            if (a == null) {
                return null;
            }
            if (a.shape().length != 0) {
                throw new IOException(file + ": array `step` has shape " + Arrays.toString(a.shape())
                        + " but must be a scalar (np.savez(..., step=np.int64(global_step)))");
            }
            long s = a.longs()[0];
            if (s < 0) {
                throw new IOException(file + ": array `step` = " + s + " must be >= 0");
            }
            return s;
        }
    }

    /** The dtypes each array may have. */
    static Set<String> allowed(Path file, String name) throws IOException {
        if (!NAMES.contains(name)) {
            throw new IOException(file + ": unknown array `" + name + "`" + suggestion(name) + "; known names: "
                    + NAMES);
        }
        if (name.endsWith("_ids") || name.equals("step")) {
            return INTS;
        }
        return name.equals("response_mask") ? MASK : FLOATS;
    }

    /** Reads the arrays of {@code file}, refusing unknown names and dtypes other than {@link #allowed}. */
    static Loaded read(Path file) throws IOException {
        return new Loaded(file, NpzReader.read(file, name -> allowed(file, name)));
    }

    private static String suggestion(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String n : NAMES) {
            int d = distance(name, n);
            if (d < bestDistance) {
                bestDistance = d;
                best = n;
            }
        }
        return bestDistance <= 3 ? " (did you mean `" + best + "`?)" : "";
    }

    private static int distance(String a, String b) {
        if (a.length() > 200) {
            return Integer.MAX_VALUE;
        }
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + c, Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1));
            }
        }
        return d[a.length()][b.length()];
    }

    /**
     * The training step of the batch: {@code --step} ({@code option}, may be null) or the file's
     * {@code step} array; both given and different is an error, and so is neither when the Jackpot
     * path draws its rejection uniforms ({@code needStep}).
     */
    static Long step(Loaded batch, Long option, boolean needStep) throws IOException {
        Long inFile = batch.step();
        if (option != null && inFile != null && !option.equals(inFile)) {
            throw new IOException("--step " + option + " disagrees with the `step` array of " + batch.file() + " ("
                    + inFile + "); drop one of them");
        }
        Long step = option != null ? option : inFile;
        if (step == null && needStep) {
            throw new IOException(batch.file() + " has no `step` array and no --step was given: pass --step N, the"
                    + " trainer's global step of this batch (the rejection draws are keyed by it, docs/math.md §3)");
        }
        return step;
    }

    /**
     * Builds the core batch after checking that every array is present as needed and has the shape
     * [B,T] or [B,T,k] of {@code log_probs} / the top-k arrays, then resolves the step with
     * {@link #step(Loaded, Long, boolean)}; the core then checks the values.
     */
    static JackpotBatch toBatch(Loaded in, boolean needTopK, Long stepOption, boolean needStep, long sequenceOffset)
            throws IOException {
        Path file = in.file();
        for (String name : REQUIRED) {
            if (!in.has(name)) {
                throw new IOException(file + " has no array `" + name + "` (it has " + in.arrays().keySet() + ")");
            }
        }
        long[] tokens = in.shape("log_probs");
        if (tokens.length != 2) {
            throw new IOException(file + ": array `log_probs` has shape " + Arrays.toString(tokens)
                    + " but must be [B,T]");
        }
        for (String name : TOKEN) {
            if (in.has(name) && !Arrays.equals(in.shape(name), tokens)) {
                throw new IOException(file + ": array `" + name + "` has shape " + Arrays.toString(in.shape(name))
                        + " but `log_probs` has " + Arrays.toString(tokens) + "; every [B,T] array must match");
            }
        }
        if (needTopK) {
            for (String name : TOP_K) {
                if (!in.has(name)) {
                    throw new IOException(file + " has no array `" + name + "`, which use_jackpot = true needs (it has "
                            + in.arrays().keySet() + ")");
                }
            }
        }
        String first = null;
        for (String name : ALL_TOP_K) {
            if (!in.has(name)) {
                continue;
            }
            long[] s = in.shape(name);
            if (first == null) {
                if (s.length != 3 || s[0] != tokens[0] || s[1] != tokens[1] || s[2] < 1) {
                    throw new IOException(file + ": array `" + name + "` has shape " + Arrays.toString(s)
                            + " but must be [B,T,k] = [" + tokens[0] + ", " + tokens[1] + ", k] with k >= 1");
                }
                first = name;
            } else if (!Arrays.equals(s, in.shape(first))) {
                throw new IOException(file + ": array `" + name + "` has shape " + Arrays.toString(s) + " but `" + first
                        + "` has " + Arrays.toString(in.shape(first)) + "; every [B,T,k] array must match");
            }
        }
        boolean hasTopK = in.has("rollout_topk_ids");
        if (first != null && !hasTopK) {
            for (String name : TOP_K) {
                if (!in.has(name)) {
                    throw new IOException(file + " has top-k arrays but no `" + name + "` (it has "
                            + in.arrays().keySet() + ")");
                }
            }
        }
        Long step = step(in, stepOption, needStep);
        int b = (int) tokens[0];
        int t = (int) tokens[1];
        int k = in.topK();
        JackpotBatch.Builder builder = first != null ? JackpotBatch.builder(b, t, k) : JackpotBatch.builder(b, t);
        try {
            if (step != null) {
                builder.step(step);
            }
            builder.sequenceOffset(sequenceOffset);
            builder.rolloutLogProbs(view(in, "rollout_log_probs"))
                    .oldLogProbs(view(in, "old_log_probs"))
                    .logProbs(view(in, "log_probs"))
                    .advantages(view(in, "advantages"));
            if (in.has("response_mask")) {
                builder.responseMask(view(in, "response_mask"));
            }
            if (in.has("uniforms")) {
                builder.uniforms(view(in, "uniforms"));
            }
            if (first != null) {
                builder.rolloutTopK(ids(in, "rollout_topk_ids"), view(in, "rollout_topk_log_probs"))
                        .targetTopK(ids(in, "target_topk_ids"), view(in, "target_topk_log_probs"))
                        .targetLogProbsAtRolloutTopK(view(in, "target_log_probs_at_rollout_topk"));
                if (in.has("rollout_log_probs_at_target_topk")) {
                    builder.rolloutLogProbsAtTargetTopK(view(in, "rollout_log_probs_at_target_topk"));
                }
            }
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static FloatView view(Loaded in, String name) {
        NpzReader.Array a = in.arrays().get(name);
        return FloatView.at(a.floats(), 0, toInts(a.shape()));
    }

    private static IdView ids(Loaded in, String name) {
        NpzReader.Array a = in.arrays().get(name);
        return IdView.at(a.longs(), 0, toInts(a.shape()));
    }

    private static int[] toInts(long[] shape) {
        int[] s = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            s[i] = Math.toIntExact(shape[i]);
        }
        return s;
    }
}
