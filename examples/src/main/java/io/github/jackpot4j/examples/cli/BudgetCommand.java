package io.github.jackpot4j.examples.cli;

import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;

import java.io.IOException;
import java.util.Map;

import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jackpot budget}: the λ at which a batch's mean acceptance equals a target (MATH.md §9). */
@Command(name = "budget", header = "print the lambda that gives a target mean acceptance on a batch (.npz)",
        sortOptions = false,
        description = {"Prints the lambda at which the mean OBRS acceptance min(1, p_tgt/(lambda p_inf)) over the valid"
            + " tokens of the batch equals A in (0, 1] (docs/math.md §9). --set jackpot_target=reference uses"
            + " old_log_probs as the target. The expected acceptance draws nothing, so --step and --sequence-offset"
            + " are optional here; they are accepted (and --step is checked against the file's `step` array) so"
            + " that the same arguments work for `jackpot weights`."})
public final class BudgetCommand extends Subcommand {
    /** An acceptance rate: a number in (0, 1]. */
    static final class Acceptance implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            return Values.number(value, "in (0, 1]", d -> d > 0 && d <= 1);
        }
    }

    @Mixin
    BatchOptions batch;

    @Option(names = "--target-acceptance", required = true, paramLabel = "A", converter = Acceptance.class, order = 2,
            description = "the mean acceptance to reach, in (0, 1]")
    double target;

    @Override
    public Integer call() throws IOException {
        Map<String, Object> settings = batch.settings();
        settings.put("jackpot_target_acceptance", target);
        NpzBatch.Loaded arrays = NpzBatch.read(batch.in);
        JackpotConfig config = BatchOptions.configuration(settings, arrays);
        JackpotBatch jackpotBatch = NpzBatch.toBatch(arrays, false, batch.step, false, batch.sequenceOffset);
        try {
            out().println(Jackpot.solveLambda(config, jackpotBatch));
        } catch (IllegalArgumentException e) {
            throw new IOException(batch.in + ": " + e.getMessage(), e);
        }
        return 0;
    }
}
