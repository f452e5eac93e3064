package io.github.jackpot4j.examples.cli;

import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** {@code jackpot budget}: the λ at which a batch's mean acceptance equals a target (MATH.md §9). */
public final class BudgetCommand {
    private BudgetCommand() {
    }

    static final String HELP = String.join("\n",
            "usage: jackpot budget --in BATCH.npz --target-acceptance A [--step N] [--sequence-offset N]",
            "                      [--config FILE.yaml [--config-section PATH]] [--set key=value]...",
            "Prints the lambda at which the mean OBRS acceptance min(1, p_tgt/(lambda p_inf)) over the valid",
            "tokens of the batch equals A in (0, 1] (docs/math.md §9). --set jackpot_target=reference uses",
            "old_log_probs as the target. The expected acceptance draws nothing, so --step and",
            "--sequence-offset are optional here; they are accepted (and --step is checked against the file's",
            "`step` array) so that the same arguments work for `jackpot weights`.");

    /** Runs the command; returns the exit status. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        try {
            Args args = Args.parse(argv, Set.of("--in", "--target-acceptance", "--set", "--step", "--sequence-offset",
                    "--config", "--config-section"),
                    Set.of());
            if (args.help()) {
                out.println(HELP);
                return 0;
            }
            Path in = Path.of(args.required("--in"));
            String targetText = args.required("--target-acceptance");
            double target = args.number("--target-acceptance", Double.NaN);
            if (!(target > 0 && target <= 1)) {
                throw new Args.ValueException("--target-acceptance = '" + targetText + "' must be in (0, 1]");
            }
            Long step = args.has("--step") ? args.whole("--step", 0, 0, Long.MAX_VALUE) : null;
            long offset = args.whole("--sequence-offset", 0, 0, Long.MAX_VALUE);
            NpzBatch.Loaded arrays = NpzBatch.read(in);
            Map<String, Object> settings = WeightsCommand.settings(args); // --config, then --set (as weights)
            settings.put("jackpot_target_acceptance", target);
            int k = arrays.topK();
            if (k > 0 && !settings.containsKey("jackpot_log_probs_to_keep")) {
                settings.put("jackpot_log_probs_to_keep", k);
            }
            JackpotConfig config = JackpotConfig.fromMap(settings);
            JackpotBatch batch = NpzBatch.toBatch(arrays, false, step, false, offset);
            try {
                out.println(Jackpot.solveLambda(config, batch));
            } catch (IllegalArgumentException e) {
                throw new IOException(in + ": " + e.getMessage(), e);
            }
            return 0;
        } catch (Args.UsageException e) {
            return Args.usage(err, "budget", e);
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            return Args.fail(err, "budget", e);
        }
    }
}
