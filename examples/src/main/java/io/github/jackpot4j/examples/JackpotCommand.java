package io.github.jackpot4j.examples;

import io.github.jackpot4j.examples.cli.BudgetCommand;
import io.github.jackpot4j.examples.cli.CalibrateCommand;
import io.github.jackpot4j.examples.cli.Failures;
import io.github.jackpot4j.examples.cli.Subcommand;
import io.github.jackpot4j.examples.cli.WeightsCommand;
import io.github.jackpot4j.examples.demo.DecoupledDemo;
import io.github.jackpot4j.examples.demo.MismatchSweep;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;
import java.util.Objects;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The {@code jackpot} command ({@code java -jar examples/target/jackpot.jar <command>}): picocli
 * subcommands, {@code quickstart} when none is given. Exit status 0, 2 for a bad command line, 1 for
 * a failed run, each failure one line on stderr ({@link Failures}).
 */
@Command(name = "jackpot", sortOptions = false,
        description = "Jackpot (OBRS) loss weights for decoupled RL training, from the command line (docs/cli.md).",
        subcommands = {Quickstart.class, DecoupledDemo.class, MismatchSweep.class, WeightsCommand.class,
            BudgetCommand.class, CalibrateCommand.class, CommandLine.HelpCommand.class},
        footer = "Run 'jackpot COMMAND --help' for a command's options.")
public final class JackpotCommand extends Subcommand {
    private JackpotCommand() {
    }

    /** No command: the quickstart. */
    @Override
    public Integer call() {
        return Quickstart.run(out());
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
        PrintWriter outWriter = writer(out);
        try {
            CommandLine commandLine = new CommandLine(new JackpotCommand()).setOut(outWriter).setErr(writer(err))
                    .setUsageHelpWidth(100)
                    .setExpandAtFiles(false); // "--in @batch.npz" is a file name, not a file of arguments
            for (int i = 0; i < args.length; i++) { // picocli's parser is not defined on null arguments
                Objects.requireNonNull(args[i], "args[" + i + "] is null");
            }
            ParseResult parsed = null;
            try {
                parsed = commandLine.parseArgs(args);
                return new CommandLine.RunLast().execute(parsed); // --help, or the last command given
            } catch (ParameterException e) {
                return Failures.usage(e);
            } catch (ExecutionException e) {
                return Failures.run(e.getCause(), e.getCommandLine());
            } catch (OutOfMemoryError e) { // not wrapped by picocli: name the command that ran out
                List<CommandLine> commands = parsed == null ? List.of(commandLine) : parsed.asCommandLineList();
                return Failures.run(e, commands.get(commands.size() - 1));
            }
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError | LinkageError e) {
            err.println("jackpot: error: " + Failures.describe(e));
            return 1;
        } finally {
            outWriter.flush();
        }
    }

    /** Text to {@code stream} as {@code stream} itself would print it (its own charset). */
    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(new Writer() {
            @Override
            public void write(char[] text, int offset, int length) {
                stream.print(new String(text, offset, length));
            }

            @Override
            public void flush() {
                stream.flush();
            }

            @Override
            public void close() {
                stream.flush();
            }
        }, true);
    }
}
