package io.github.jackpot4j.examples;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code jackpot} command ({@code java -jar examples/target/jackpot.jar <command>}).
 * Commands: {@code quickstart} (the default) computes the Jackpot loss of a small built-in batch and
 * prints the loss, the per-token weights and the metrics.
 */
public final class JackpotCommand {
    private JackpotCommand() {
    }

    /** Entry point; exits non-zero with a one-line error on bad arguments. */
    public static void main(String[] args) {
        // the PyTorch native library ships in lib/: never let DJL try to download one
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs one command and returns its exit status: 0, 2 for a bad command line, 1 for anything else
     * that fails. Whatever a command throws is printed as one line, never as a stack trace.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            return dispatch(args, out, err);
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError | LinkageError e) {
            String m = e.getMessage() == null ? "" : ": " + e.getMessage().replaceAll("[\\r\\n]+", " ").trim();
            err.println("jackpot: error: " + (e instanceof OutOfMemoryError ? "out of memory" + m
                    + " (raise the Java heap with java -Xmx...)" : "internal error: " + e.getClass().getName() + m));
            return 1;
        }
    }

    private static int dispatch(String[] args, PrintStream out, PrintStream err) {
        String command = args.length == 0 ? "quickstart" : args[0];
        String[] rest = args.length == 0 ? new String[0] : Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "quickstart":
                return Quickstart.run(rest, out, err);
            case "demo":
                return io.github.jackpot4j.examples.demo.DecoupledDemo.run(rest, out, err);
            case "sweep":
                return io.github.jackpot4j.examples.demo.MismatchSweep.run(rest, out, err);
            case "weights":
                return io.github.jackpot4j.examples.cli.WeightsCommand.run(rest, out, err);
            case "budget":
                return io.github.jackpot4j.examples.cli.BudgetCommand.run(rest, out, err);
            case "calibrate":
                return io.github.jackpot4j.examples.cli.CalibrateCommand.run(rest, out, err);
            case "--help":
            case "-h":
            case "help":
                out.println("usage: jackpot <command> [options]");
                out.println("commands:");
                out.println("  quickstart   compute the Jackpot loss of a small built-in batch and print it (default)");
                out.println("  demo         train a policy on another model's rollouts: on-policy / off-policy / TIS / Jackpot");
                out.println("  sweep        off-policy / TIS / Jackpot against a measured actor-policy gap, with 95% CIs");
                out.println("  weights      score a batch saved from Python (.npz) and write weights, mask, loss, gradient");
                out.println("  budget       print the lambda that gives a target mean acceptance on a batch (.npz)");
                out.println("  calibrate    reproduce the paper's OBRS simulation: acceptance and KL vs mismatch");
                out.println("run 'jackpot <command> --help' for a command's options");
                return 0;
            default:
                err.println("jackpot: unknown command '" + command + "' (try --help)");
                return 2;
        }
    }
}
