package io.github.jackpot4j.examples.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * {@code jackpot calibrate}: the paper's numerical simulation of OBRS (its Figure 2, Section 3.2): the
 * acceptance Z = Σ min(q, p/λ) and the divergences of q̃ = min(q, p/λ)/Z from p (docs/calibration.md).
 */
@Command(name = "calibrate", header = "reproduce the paper's OBRS simulation: acceptance and KL vs mismatch",
        sortOptions = false,
        description = {"Reproduces the paper's OBRS simulation (Figure 2): for target p and proposal q over N tokens,"
            + " sweeps the initial KL(p||q) for three kinds of mismatch (noisy logits, temperature, a batch where a"
            + " few positions disagree) and reports acceptance, KL(p||q~) and KL(q~||p) after OBRS for lambda in"
            + " {0.25, 0.5, 1, 2}. Prints a table, writes DIR/calibration.csv and DIR/calibration-acceptance.png,"
            + " DIR/calibration-kl.png (docs/calibration.md)."},
        footer = "The three files are written all-or-nothing: on any error none of them is left behind.")
public final class CalibrateCommand extends Subcommand {
    /**
     * The largest --vocab: 2^20 tokens, above every current LLM vocabulary (256k at most), for about
     * 50 MB of working arrays and a few minutes of simulation; larger would only exhaust memory or time.
     */
    static final int MAX_VOCAB = 1 << 20;

    /** A vocabulary size in [2, {@link #MAX_VOCAB}]. */
    static final class Vocab implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) Values.whole(value, 2, MAX_VOCAB);
        }
    }

    static final double[] LAMBDAS = {0.25, 0.5, 1.0, 2.0};
    private static final int POSITIONS = 32;

    /** One measured setting. */
    record Row(String kind, double level, double lambda, double klPq, double klQp, double acceptance,
               double klPqTilde, double klQTildeP) {
    }

    @Option(names = "--vocab", paramLabel = "N", converter = Vocab.class, defaultValue = "32000",
            description = "vocabulary size, 2 .. " + MAX_VOCAB + " (default ${DEFAULT-VALUE})")
    int vocab;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "calibration",
            description = "output directory, created if missing (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--seed", paramLabel = "S", converter = Values.Whole.class, defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = out();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("--out " + dir + " exists and is not a folder");
        }
        List<Row> rows = simulate(vocab, seed);
        printTable(rows, out);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("--out " + dir + ": cannot create the output folder ("
                    + AtomicOutputs.message(e) + ")", e);
        }
        try (AtomicOutputs outputs = new AtomicOutputs()) {
            outputs.stage(dir.resolve("calibration.csv"), o -> writeCsv(rows, o));
            XYChart[] charts = charts(rows);
            outputs.stage(dir.resolve("calibration-acceptance.png"),
                    o -> BitmapEncoder.saveBitmap(charts[0], o, BitmapEncoder.BitmapFormat.PNG));
            outputs.stage(dir.resolve("calibration-kl.png"),
                    o -> BitmapEncoder.saveBitmap(charts[1], o, BitmapEncoder.BitmapFormat.PNG));
            outputs.commit();
        }
        out.println("wrote " + dir.resolve("calibration.csv") + ", " + dir.resolve("calibration-acceptance.png")
                + ", " + dir.resolve("calibration-kl.png"));
        return 0;
    }

    static List<Row> simulate(int vocab, long seed) {
        List<Row> rows = new ArrayList<>();
        double[] noise = {0.25, 0.5, 1.0, 1.5, 2.0, 3.0};
        double[] temperature = {1.1, 1.25, 1.5, 2.0, 3.0, 4.0};
        double[] fewNoise = {1.0, 2.0, 3.0, 4.0, 6.0, 8.0};
        for (double sigma : noise) {
            rows.addAll(measure("noisy-logits", sigma, vocab, seed, (base, rng, pos) -> noisy(base, sigma, rng)));
        }
        for (double tau : temperature) {
            rows.addAll(measure("temperature", tau, vocab, seed, (base, rng, pos) -> scaled(base, 1 / tau)));
        }
        for (double sigma : fewNoise) {
            // 90% of the positions nearly agree (noise 0.1), one in ten disagrees with noise sigma
            rows.addAll(measure("few-disagree", sigma, vocab, seed,
                    (base, rng, pos) -> noisy(base, pos % 10 == 0 ? sigma : 0.1, rng)));
        }
        return rows;
    }

    interface Proposal {
        double[] logits(double[] targetLogits, SplittableRandom rng, int position);
    }

    /** Averages over positions: each position has its own target and proposal. */
    private static List<Row> measure(String kind, double level, int vocab, long seed, Proposal proposal) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] sums = new double[LAMBDAS.length][4];
        double klPq = 0;
        double klQp = 0;
        for (int pos = 0; pos < POSITIONS; pos++) {
            double[] target = new double[vocab];
            for (int x = 0; x < vocab; x++) {
                target[x] = 2.5 * rng.nextGaussian(); // a peaked, LM-like distribution over a large vocabulary
            }
            double[] p = softmax(target);
            double[] q = softmax(proposal.logits(target, rng, pos));
            klPq += kl(p, q);
            klQp += kl(q, p);
            for (int l = 0; l < LAMBDAS.length; l++) {
                double lambda = LAMBDAS[l];
                double[] tilde = new double[vocab];
                double z = 0;
                for (int x = 0; x < vocab; x++) {
                    tilde[x] = Math.min(q[x], p[x] / lambda);
                    z += tilde[x];
                }
                for (int x = 0; x < vocab; x++) {
                    tilde[x] /= z;
                }
                sums[l][0] += z;
                sums[l][1] += kl(p, tilde);
                sums[l][2] += kl(tilde, p);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int l = 0; l < LAMBDAS.length; l++) {
            rows.add(new Row(kind, level, LAMBDAS[l], klPq / POSITIONS, klQp / POSITIONS, sums[l][0] / POSITIONS,
                    sums[l][1] / POSITIONS, sums[l][2] / POSITIONS));
        }
        return rows;
    }

    private static double[] noisy(double[] base, double sigma, SplittableRandom rng) {
        double[] out = new double[base.length];
        for (int i = 0; i < base.length; i++) {
            out[i] = base[i] + sigma * rng.nextGaussian();
        }
        return out;
    }

    private static double[] scaled(double[] base, double factor) {
        double[] out = new double[base.length];
        for (int i = 0; i < base.length; i++) {
            out[i] = base[i] * factor;
        }
        return out;
    }

    static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            max = Math.max(max, l);
        }
        double s = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            s += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= s;
        }
        return p;
    }

    /** KL(a ‖ b) in nats; terms with a = 0 contribute 0; rounding below 0 is reported as 0. */
    static double kl(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] > 0) {
                s += a[i] * Math.log(a[i] / b[i]);
            }
        }
        return Math.max(0.0, s);
    }

    private static void printTable(List<Row> rows, PrintWriter out) {
        out.println(String.format(Locale.ROOT, "%-13s %6s %6s %9s %9s %10s %11s %11s %9s", "mismatch", "level", "lambda",
                "KL(p|q)", "KL(q|p)", "acceptance", "KL(p|q~)", "KL(q~|p)", "reduction"));
        for (Row r : rows) {
            out.println(String.format(Locale.ROOT, "%-13s %6.2f %6.2f %9.4f %9.4f %10.4f %11.5f %11.5f %8.1fx", r.kind(),
                    r.level(), r.lambda(), r.klPq(), r.klQp(), r.acceptance(), r.klPqTilde(), r.klQTildeP(),
                    r.klPqTilde() > 1e-12 ? r.klPq() / r.klPqTilde() : Double.POSITIVE_INFINITY));
        }
    }

    private static void writeCsv(List<Row> rows, OutputStream target) throws IOException {
        Writer w = new BufferedWriter(new OutputStreamWriter(target, StandardCharsets.UTF_8));
        w.write("mismatch,level,lambda,kl_p_q,kl_q_p,acceptance,kl_p_qtilde,kl_qtilde_p\n");
        for (Row r : rows) {
            w.write(String.format(Locale.ROOT, "%s,%.4f,%.4f,%.8f,%.8f,%.8f,%.8f,%.8f%n", r.kind(), r.level(),
                    r.lambda(), r.klPq(), r.klQp(), r.acceptance(), r.klPqTilde(), r.klQTildeP()));
        }
        w.flush();
    }

    /** The acceptance chart and the KL chart. */
    private static XYChart[] charts(List<Row> rows) {
        System.setProperty("java.awt.headless", "true");
        XYChart acceptance = new XYChartBuilder().width(900).height(560).title("OBRS acceptance vs initial KL(p||q)")
                .xAxisTitle("initial KL(p||q) (nats)").yAxisTitle("acceptance Z").build();
        XYChart kl = new XYChartBuilder().width(900).height(560).title("KL(p||q~) after OBRS vs initial KL(p||q)")
                .xAxisTitle("initial KL(p||q) (nats)").yAxisTitle("KL(p||q~) (nats)").build();
        kl.getStyler().setYAxisLogarithmic(true);
        kl.getStyler().setXAxisLogarithmic(true);
        acceptance.getStyler().setXAxisLogarithmic(true);
        for (String kind : new String[] {"noisy-logits", "temperature", "few-disagree"}) {
            for (double lambda : LAMBDAS) {
                List<Double> x = new ArrayList<>();
                List<Double> a = new ArrayList<>();
                List<Double> after = new ArrayList<>();
                for (Row r : rows) {
                    if (r.kind().equals(kind) && r.lambda() == lambda) {
                        x.add(r.klPq());
                        a.add(r.acceptance());
                        after.add(Math.max(r.klPqTilde(), 1e-9));
                    }
                }
                String name = kind + " λ=" + lambda;
                acceptance.addSeries(name, x, a).setMarker(SeriesMarkers.CIRCLE);
                kl.addSeries(name, x, after).setMarker(SeriesMarkers.CIRCLE);
            }
        }
        return new XYChart[] {acceptance, kl};
    }
}
