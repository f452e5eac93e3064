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
            "usage: jackpot budget --in BATCH.npz --target-acceptance A [--set key=value]...",
            "Prints the lambda at which the mean OBRS acceptance min(1, p_tgt/(lambda p_inf)) over the valid",
            "tokens of the batch equals A in (0, 1] (MATH.md section 9). --set jackpot_target=reference uses",
            "old_log_probs as the target.");

    /** Runs the command; returns the exit status. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        try {
            Args args = Args.parse(argv, Set.of("--in", "--target-acceptance", "--set"), Set.of());
            if (args.help()) {
                out.println(HELP);
                return 0;
            }
            Path in = Path.of(args.required("--in"));
            double target = args.number("--target-acceptance", Double.NaN);
            if (Double.isNaN(target)) {
                throw new Args.UsageException("missing required option --target-acceptance");
            }
            Map<String, Object> arrays = NpzBatch.read(in);
            Map<String, Object> settings = args.settings("--set");
            settings.put("jackpot_target_acceptance", target);
            int k = NpzBatch.topK(arrays);
            if (k > 0 && !settings.containsKey("jackpot_log_probs_to_keep")) {
                settings.put("jackpot_log_probs_to_keep", k);
            }
            JackpotConfig config = JackpotConfig.fromMap(settings);
            JackpotBatch batch = NpzBatch.toBatch(in, arrays, false);
            out.println(Jackpot.solveLambda(config, batch));
            return 0;
        } catch (Args.UsageException e) {
            err.println("jackpot budget: " + e.getMessage() + " (try --help)");
            return 2;
        } catch (IOException | IllegalArgumentException e) {
            err.println("jackpot budget: " + e.getMessage());
            return 1;
        }
    }
}
