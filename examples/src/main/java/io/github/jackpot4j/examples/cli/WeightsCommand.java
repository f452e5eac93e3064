package io.github.jackpot4j.examples.cli;

import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotResult;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code jackpot weights}: scores a batch dumped from Python with the core and writes the per-token
 * results as .npz and the metrics as JSON (docs/cli.md).
 */
public final class WeightsCommand {
    private WeightsCommand() {
    }

    static final String HELP = String.join("\n",
            "usage: jackpot weights --in BATCH.npz --out RESULT.npz [--metrics METRICS.json] [--step N]",
            "                       [--sequence-offset N] [--config FILE.yaml [--config-section PATH]]",
            "                       [--set key=value]...",
            "Computes the Jackpot loss of a batch saved with np.savez / np.savez_compressed whose arrays are",
            "named as in docs/cli.md (log_probs, old_log_probs, rollout_log_probs, advantages,",
            "response_mask, rollout_topk_ids, ..., optional uniforms, optional scalar step) and writes weights,",
            "accept_mask, z_approx, z, per_token_loss, grad_log_probs ([B,T] float32) and loss (scalar).",
            "  --in FILE              the batch (.npz); never modified",
            "  --out FILE             the result (.npz); must differ from --in, its folder must exist",
            "  --metrics FILE         also write the metrics as a flat JSON object",
            "  --step N               the trainer's global step of this batch (>= 0): the rejection draws are",
            "                         keyed by it (docs/math.md §3). Required with use_jackpot = true unless",
            "                         the file has a scalar `step` array (or `uniforms`); if both are given",
            "                         they must agree",
            "  --sequence-offset N    the global index of the file's first sequence (default 0), when the file",
            "                         is one micro-batch of a larger batch",
            "  --config FILE.yaml     the Jackpot keys of a verl YAML file (read as YAML 1.2: an unquoted 0.5_5",
            "                         stays \"0.5_5\"); other keys of the section are ignored. The section is",
            "                         the top level, actor_rollout_ref.actor or actor, whichever has a Jackpot key",
            "  --config-section PATH  the dotted path of the section, e.g. actor_rollout_ref.actor",
            "  --set key=value        any configuration key (docs/config.md), repeatable; overrides --config",
            "                         (jackpot_log_probs_to_keep defaults to the file's k)",
            "Outputs are written all-or-nothing: on any error no output file is left behind.");

    /** Runs the command; returns the exit status. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        try {
            Args args = Args.parse(argv, Set.of("--in", "--out", "--metrics", "--set", "--step", "--sequence-offset",
                    "--config", "--config-section"),
                    Set.of());
            if (args.help()) {
                out.println(HELP);
                return 0;
            }
            Path in = Path.of(args.required("--in"));
            Path outFile = Path.of(args.required("--out"));
            Path metrics = args.has("--metrics") ? Path.of(args.get("--metrics", null)) : null;
            Long step = args.has("--step") ? args.whole("--step", 0, 0, Long.MAX_VALUE) : null;
            long offset = args.whole("--sequence-offset", 0, 0, Long.MAX_VALUE);
            AtomicOutputs.checkTarget("--out", outFile, List.of(in), Map.of());
            if (metrics != null) {
                AtomicOutputs.checkTarget("--metrics", metrics, List.of(in), Map.of("--out", outFile));
            }
            NpzBatch.Loaded arrays = NpzBatch.read(in);
            JackpotConfig config = config(args, arrays);
            JackpotBatch batch = NpzBatch.toBatch(arrays, config.useJackpot(), step,
                    config.useJackpot() && !arrays.has("uniforms"), offset);
            JackpotResult r;
            try {
                r = Jackpot.compute(config, batch);
            } catch (IllegalArgumentException e) {
                throw new IOException(in + ": " + e.getMessage(), e);
            }
            int[] shape = {batch.batchSize(), batch.length()};
            Map<String, NpzWriter.Entry> results = new LinkedHashMap<>();
            results.put("weights", new NpzWriter.Entry(shape, r.weights()));
            results.put("accept_mask", new NpzWriter.Entry(shape, r.acceptMask()));
            results.put("z_approx", new NpzWriter.Entry(shape, r.zApprox()));
            results.put("z", new NpzWriter.Entry(shape, r.z()));
            results.put("per_token_loss", new NpzWriter.Entry(shape, r.perTokenLoss()));
            results.put("grad_log_probs", new NpzWriter.Entry(shape, r.gradLogProbs()));
            results.put("loss", new NpzWriter.Entry(new int[0], new float[] {(float) r.loss()}));
            try (AtomicOutputs outputs = new AtomicOutputs()) {
                outputs.stage(outFile, o -> NpzWriter.write(o, results));
                if (metrics != null) {
                    byte[] json = json(r.metrics()).getBytes(StandardCharsets.UTF_8);
                    outputs.stage(metrics, o -> o.write(json));
                }
                outputs.commit();
            }
            out.printf("loss = %.6f, acceptance = %.4f, kappa = %.4f -> %s%n", r.loss(),
                    r.metrics().get("jackpot/acceptance_rate"), r.kappa(), outFile);
            return 0;
        } catch (Args.UsageException e) {
            return Args.usage(err, "weights", e);
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            return Args.fail(err, "weights", e);
        }
    }

    static JackpotConfig config(Args args, NpzBatch.Loaded arrays) throws IOException {
        Map<String, Object> settings = settings(args);
        int k = arrays.topK();
        if (k > 0 && !settings.containsKey("jackpot_log_probs_to_keep")) {
            settings.put("jackpot_log_probs_to_keep", k);
        }
        return JackpotConfig.fromMap(settings);
    }

    /** {@code --config} (and its section), then every {@code --set} over it. */
    static Map<String, Object> settings(Args args) throws IOException {
        Map<String, Object> settings = new LinkedHashMap<>();
        if (args.has("--config")) {
            settings.putAll(YamlConfig.read(Path.of(args.get("--config", null)), args.get("--config-section", null),
                    new java.util.ArrayList<>()));
        } else if (args.has("--config-section")) {
            throw new Args.ValueException("--config-section needs --config");
        }
        settings.putAll(args.settings("--set"));
        return settings;
    }

    /**
     * A flat JSON object of numbers, written by Gson (a non-finite value, which MATH.md §10 rules out,
     * would be null: JSON has no NaN).
     */
    static String json(Map<String, Double> metrics) {
        Map<String, Double> finite = new LinkedHashMap<>();
        metrics.forEach((k, v) -> finite.put(k, v == null || !Double.isFinite(v) ? null : v));
        return new com.google.gson.GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(finite) + "\n";
    }
}
