package io.github.jackpot4j.examples.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.JackpotBatch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch read from a numpy {@code .npz} (written by {@code np.savez} or {@code np.savez_compressed})
 * whose arrays carry the MATH.md §1 names, decoded with DJL's {@link NDList#decode}, and the writer
 * of result files. Float arrays may be float32 or float64, ids int32 or int64.
 */
final class NpzBatch {
    /** Every array name a batch file may hold. */
    static final List<String> NAMES = List.of("response_mask", "rollout_log_probs", "old_log_probs", "log_probs",
            "advantages", "rollout_topk_ids", "rollout_topk_log_probs", "target_topk_ids", "target_topk_log_probs",
            "target_log_probs_at_rollout_topk", "rollout_log_probs_at_target_topk", "uniforms");
    private static final List<String> REQUIRED = List.of("rollout_log_probs", "old_log_probs", "log_probs",
            "advantages");
    private static final List<String> TOP_K = List.of("rollout_topk_ids", "rollout_topk_log_probs", "target_topk_ids",
            "target_topk_log_probs", "target_log_probs_at_rollout_topk");

    private NpzBatch() {
    }

    /** Reads every array of the file by name, as host arrays (floats as float[], ids as long[]). */
    static Map<String, Object> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        Map<String, Object> arrays = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager(); InputStream in = Files.newInputStream(file)) {
            NDList list;
            try {
                list = NDList.decode(m, in);
            } catch (RuntimeException e) {
                throw new IOException(file + " is not a readable .npz file (" + e.getMessage() + ")", e);
            }
            for (NDArray a : list) {
                String name = a.getName();
                if (name == null) {
                    throw new IOException(file + " holds an unnamed array; save with np.savez(path, name=array, ...)");
                }
                name = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
                if (!NAMES.contains(name)) {
                    throw new IOException(file + ": unknown array `" + name + "`" + suggestion(name) + "; known names: "
                            + NAMES);
                }
                shapes.put(name, a.getShape().getShape());
                if (name.endsWith("_ids")) {
                    if (!a.getDataType().isInteger()) {
                        throw new IOException(file + ": `" + name + "` has dtype " + a.getDataType()
                                + " but must be int32 or int64");
                    }
                    arrays.put(name, a.toType(DataType.INT64, false).toLongArray());
                } else {
                    if (!a.getDataType().isFloating() && !name.equals("response_mask")) {
                        throw new IOException(file + ": `" + name + "` has dtype " + a.getDataType()
                                + " but must be float32 or float64");
                    }
                    arrays.put(name, a.toType(DataType.FLOAT32, false).toFloatArray());
                }
            }
        }
        arrays.put("__shapes__", shapes);
        return arrays;
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

    /** The top-k length k of the file (0 when it has no top-k arrays). */
    @SuppressWarnings("unchecked")
    static int topK(Map<String, Object> arrays) {
        long[] shape = ((Map<String, long[]>) arrays.get("__shapes__")).get("rollout_topk_ids");
        return shape == null || shape.length != 3 ? 0 : (int) shape[2];
    }

    /** Builds the core batch; the core names any array whose shape disagrees. */
    @SuppressWarnings("unchecked")
    static JackpotBatch toBatch(Path file, Map<String, Object> arrays, boolean needTopK) throws IOException {
        Map<String, long[]> shapes = (Map<String, long[]>) arrays.get("__shapes__");
        for (String name : REQUIRED) {
            if (!arrays.containsKey(name)) {
                throw new IOException(file + " has no array `" + name + "` (it has " + shapes.keySet() + ")");
            }
        }
        long[] tokens = shapes.get("log_probs");
        if (tokens.length != 2) {
            throw new IOException(file + ": `log_probs` has shape " + java.util.Arrays.toString(tokens)
                    + " but must be [B,T]");
        }
        int b = (int) tokens[0];
        int t = (int) tokens[1];
        boolean hasTopK = arrays.containsKey("rollout_topk_ids");
        if (needTopK) {
            for (String name : TOP_K) {
                if (!arrays.containsKey(name)) {
                    throw new IOException(file + " has no array `" + name + "`, which use_jackpot = true needs (it has "
                            + shapes.keySet() + ")");
                }
            }
        }
        int k = hasTopK ? topK(arrays) : 0;
        if (hasTopK && k == 0) {
            throw new IOException(file + ": `rollout_topk_ids` has shape "
                    + java.util.Arrays.toString(shapes.get("rollout_topk_ids")) + " but must be [B,T,k]");
        }
        JackpotBatch.Builder builder = (hasTopK ? JackpotBatch.builder(b, t, k) : JackpotBatch.builder(b, t)).step(0);
        builder.rolloutLogProbs(view(arrays, shapes, "rollout_log_probs"))
                .oldLogProbs(view(arrays, shapes, "old_log_probs"))
                .logProbs(view(arrays, shapes, "log_probs"))
                .advantages(view(arrays, shapes, "advantages"));
        if (arrays.containsKey("response_mask")) {
            builder.responseMask(view(arrays, shapes, "response_mask"));
        }
        if (arrays.containsKey("uniforms")) {
            builder.uniforms(view(arrays, shapes, "uniforms"));
        }
        if (hasTopK) {
            builder.rolloutTopK(ids(arrays, shapes, "rollout_topk_ids"), view(arrays, shapes, "rollout_topk_log_probs"))
                    .targetTopK(ids(arrays, shapes, "target_topk_ids"), view(arrays, shapes, "target_topk_log_probs"))
                    .targetLogProbsAtRolloutTopK(view(arrays, shapes, "target_log_probs_at_rollout_topk"));
            if (arrays.containsKey("rollout_log_probs_at_target_topk")) {
                builder.rolloutLogProbsAtTargetTopK(view(arrays, shapes, "rollout_log_probs_at_target_topk"));
            }
        }
        return builder.build();
    }

    private static io.github.jackpot4j.core.FloatView view(Map<String, Object> arrays, Map<String, long[]> shapes,
                                                          String name) throws IOException {
        Object a = arrays.get(name);
        if (a == null) {
            throw new IOException("missing array `" + name + "`");
        }
        return io.github.jackpot4j.core.FloatView.of((float[]) a, 0, toInts(shapes.get(name)));
    }

    private static io.github.jackpot4j.core.IdView ids(Map<String, Object> arrays, Map<String, long[]> shapes,
                                                      String name) throws IOException {
        Object a = arrays.get(name);
        if (a == null) {
            throw new IOException("missing array `" + name + "`");
        }
        return io.github.jackpot4j.core.IdView.of((long[]) a, 0, toInts(shapes.get(name)));
    }

    private static int[] toInts(long[] shape) {
        int[] s = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            s[i] = (int) shape[i];
        }
        return s;
    }

    /** Writes float32 arrays (and a scalar) as an uncompressed .npz that numpy reads. */
    static void write(Path file, int b, int t, Map<String, float[]> tokenArrays, Map<String, Float> scalars)
            throws IOException {
        try (NDManager m = NDManager.newBaseManager(); OutputStream out = Files.newOutputStream(file)) {
            NDList list = new NDList();
            for (Map.Entry<String, float[]> e : tokenArrays.entrySet()) {
                NDArray a = m.create(e.getValue(), new Shape(b, t));
                a.setName(e.getKey());
                list.add(a);
            }
            for (Map.Entry<String, Float> e : scalars.entrySet()) {
                NDArray a = m.create(e.getValue());
                a.setName(e.getKey());
                list.add(a);
            }
            list.encode(out, NDList.Encoding.NPZ);
        }
    }
}
