package io.github.jackpot4j.examples.cli;

import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jackpot weights}: scores a batch dumped from Python with the core and writes the per-token
 * results as .npz and the metrics as JSON (docs/cli.md).
 */
@Command(name = "weights", header = "score a batch saved from Python (.npz) and write weights, mask, loss, gradient",
        sortOptions = false,
        description = {"Computes the Jackpot loss of a batch saved with np.savez / np.savez_compressed whose arrays are"
            + " named as in docs/cli.md (log_probs, old_log_probs, rollout_log_probs, advantages, response_mask,"
            + " rollout_topk_ids, ..., optional uniforms, optional scalar step) and writes weights, accept_mask,"
            + " z_approx, z, per_token_loss, grad_log_probs ([B,T] float32) and loss (scalar)."},
        footer = "Outputs are written all-or-nothing: on any error no output file is left behind.")
public final class WeightsCommand extends Subcommand {
    @Mixin
    BatchOptions batch;

    @Option(names = "--out", required = true, paramLabel = "RESULT.npz", order = 2,
            description = "the result (.npz); must differ from --in, its folder must exist")
    Path outFile;

    @Option(names = "--metrics", paramLabel = "METRICS.json", order = 3,
            description = "also write the metrics as a flat JSON object")
    Path metrics;

    @Override
    public Integer call() throws IOException {
        Path in = batch.in;
        AtomicOutputs.checkTarget("--out", outFile, List.of(in), Map.of());
        if (metrics != null) {
            AtomicOutputs.checkTarget("--metrics", metrics, List.of(in), Map.of("--out", outFile));
        }
        Map<String, Object> settings = batch.settings();
        NpzBatch.Loaded arrays = NpzBatch.read(batch.in);
        JackpotConfig config = BatchOptions.configuration(settings, arrays);
        JackpotBatch jackpotBatch = NpzBatch.toBatch(arrays, config.useJackpot(), batch.step,
                config.useJackpot() && !arrays.has("uniforms"), batch.sequenceOffset);
        JackpotResult r;
        try {
            r = Jackpot.compute(config, jackpotBatch);
        } catch (IllegalArgumentException e) {
            throw new IOException(in + ": " + e.getMessage(), e);
        }
        int[] shape = {jackpotBatch.batchSize(), jackpotBatch.length()};
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
        out().printf("loss = %.6f, acceptance = %.4f, kappa = %.4f -> %s%n", r.loss(),
                r.metrics().get("jackpot/acceptance_rate"), r.kappa(), outFile);
        return 0;
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
