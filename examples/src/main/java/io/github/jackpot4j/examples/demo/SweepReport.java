package io.github.jackpot4j.examples.demo;

import static io.github.jackpot4j.examples.demo.MismatchSweep.CEILING;
import static io.github.jackpot4j.examples.demo.MismatchSweep.LONG;
import static io.github.jackpot4j.examples.demo.MismatchSweep.MAIN;
import static io.github.jackpot4j.examples.demo.MismatchSweep.METHODS;
import static io.github.jackpot4j.examples.demo.MismatchSweep.SMOOTH;
import static io.github.jackpot4j.examples.demo.MismatchSweep.trim;

import io.github.jackpot4j.examples.demo.MismatchSweep.Options;
import io.github.jackpot4j.examples.demo.MismatchSweep.Run;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * What {@code jackpot sweep} reports of its runs: sweep-runs.csv, the markdown tables with 95%
 * t-intervals over seeds and paired differences, and the reward-vs-gap chart.
 */
final class SweepReport {
    private SweepReport() {
    }

    static void writeRuns(Path file, List<Run> runs) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("horizon,level,temperature,method,seed,steps,final_reward,min_last_third_reward,peak_reward,"
                    + "mean_kl_actor_policy,final_kl_actor_policy,mean_kl_policy_actor,mean_acceptance,max_weight,seconds\n");
            for (Run r : runs) {
                w.write(String.format(Locale.ROOT, "%s,%s,%s,%s,%d,%d,%.6f,%.6f,%.6f,%s,%s,%s,%.6f,%.6f,%.2f%n",
                        r.horizon(), r.level() < 0 ? "ceiling" : Integer.toString(r.level() + 1),
                        r.level() < 0 ? "" : trim(r.temperature()), r.method(), r.seed(), r.steps(), r.finalReward(),
                        r.minLastThird(), r.peak(), cell(r.meanKlActorPolicy()), cell(r.finalKlActorPolicy()),
                        cell(r.meanKlPolicyActor()), r.meanAcceptance(), r.maxWeight(), r.seconds()));
            }
        }
    }

    private static String cell(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    // ---------------------------------------------------------------- statistics

    /** Mean and the half-width of the 95% t-interval of the mean (0 for a single value). */
    record Interval(double mean, double half, int n) {
        double lo() {
            return mean - half;
        }

        double hi() {
            return mean + half;
        }

        String text(String fmt) {
            return String.format(Locale.ROOT, fmt + " [" + fmt + ", " + fmt + "]", mean, lo(), hi());
        }
    }

    static Interval interval(double[] v) {
        int n = v.length;
        double mean = Arrays.stream(v).average().orElse(Double.NaN);
        if (n < 2) {
            return new Interval(mean, 0, n);
        }
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        double sd = Math.sqrt(ss / (n - 1));
        return new Interval(mean, tQuantile975(n - 1) * sd / Math.sqrt(n), n);
    }

    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201,
        2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052,
        2.048, 2.045, 2.042};

    /** The 0.975 quantile of Student's t with {@code df} degrees of freedom (table; Cornish-Fisher above 30). */
    static double tQuantile975(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("df = " + df);
        }
        if (df <= T975.length) {
            return T975[df - 1];
        }
        double z = 1.959964;
        double z3 = z * z * z;
        double z5 = z3 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
    }

    // ---------------------------------------------------------------- tables

    private static List<Run> select(List<Run> runs, String horizon, int level, String method) {
        List<Run> out = new ArrayList<>();
        for (Run r : runs) {
            if (r.horizon().equals(horizon) && r.method().equals(method) && (r.ceiling() || r.level() == level)) {
                out.add(r);
            }
        }
        out.sort(Comparator.comparingLong(Run::seed));
        return out;
    }

    private static double[] values(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
        return runs.stream().mapToDouble(f).toArray();
    }

    /** Per-seed differences a − b of a quantity (the runs of a and b are sorted by seed and paired). */
    static double[] paired(List<Run> a, List<Run> b, java.util.function.ToDoubleFunction<Run> f) {
        if (a.size() != b.size()) {
            throw new IllegalStateException("unpaired runs: " + a.size() + " vs " + b.size());
        }
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) {
            if (a.get(i).seed() != b.get(i).seed()) {
                throw new IllegalStateException("unpaired seeds " + a.get(i).seed() + " and " + b.get(i).seed());
            }
            d[i] = f.applyAsDouble(a.get(i)) - f.applyAsDouble(b.get(i));
        }
        return d;
    }

    static String verdict(Interval d, String a, String b) {
        if (d.lo() > 0) {
            return a + " ahead";
        }
        if (d.hi() < 0) {
            return b + " ahead";
        }
        return "tie (CI covers 0)";
    }

    /** The markdown report: measured gaps and rewards, paired differences, the longer horizon. */
    static String tables(Options o, List<Run> runs, double wallSeconds) {
        StringBuilder sb = new StringBuilder();
        int n = o.temperatures().length;
        sb.append(String.format(Locale.ROOT, "# jackpot sweep%n%n%d levels of the actor's sampling temperature T, seeds 1-%d"
                + " per method and level (paired), %d steps; actor %s; final reward = the policy's own mean reward over"
                + " the last 20%% of steps; [lo, hi] = 95%% t-interval over seeds; KL(a‖p) = KL(actor_T ‖ policy) per"
                + " token on the batch, mean over the run's steps. Wall time of the runs %s s with %d parallel jobs.%n%n",
                n, o.seeds(),
                o.steps(), o.frozenActor() ? "frozen for every method" : "trained jointly (actor PPO + λ_distill·KL) by every"
                        + " actor-rollout method", Double.isNaN(wallSeconds) ? "unknown"
                        : String.format(Locale.ROOT, "%.0f", wallSeconds), o.jobs()));

        Interval ceiling = interval(values(select(runs, MAIN, -1, CEILING), Run::finalReward));
        sb.append(String.format(Locale.ROOT, "On-policy ceiling (the policy samples its own rollouts; the same at every"
                + " level): %s.%n%n", ceiling.text("%.3f")));
        sb.append("## Measured gap and final reward per level\n\n");
        sb.append("| level | T | KL(a‖p) off-policy | KL(a‖p) tis | KL(a‖p) jackpot | off-policy | tis | jackpot |"
                + " jackpot acceptance |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int level = 0; level < n; level++) {
            sb.append(String.format(Locale.ROOT, "| %d | %s |", level + 1, trim(o.temperatures()[level])));
            for (String m : METHODS) {
                sb.append(' ').append(interval(values(select(runs, MAIN, level, m), Run::meanKlActorPolicy))
                        .text("%.2f")).append(" |");
            }
            for (String m : METHODS) {
                sb.append(' ').append(interval(values(select(runs, MAIN, level, m), Run::finalReward)).text("%.3f"))
                        .append(" |");
            }
            sb.append(String.format(Locale.ROOT, " %.2f |%n", interval(values(select(runs, MAIN, level, "jackpot"),
                    Run::meanAcceptance)).mean()));
        }

        sb.append("\n## Paired differences of the final reward (same seeds)\n\n");
        sb.append("| level | T | mean KL(a‖p) | jackpot − tis | | jackpot − off-policy | | tis − off-policy |\n");
        sb.append("|---:|---:|---:|---:|---|---:|---|---:|\n");
        for (int level = 0; level < n; level++) {
            List<Run> off = select(runs, MAIN, level, "off-policy");
            List<Run> tis = select(runs, MAIN, level, "tis");
            List<Run> jp = select(runs, MAIN, level, "jackpot");
            List<Run> all = new ArrayList<>(off);
            all.addAll(tis);
            all.addAll(jp);
            Interval jt = interval(paired(jp, tis, Run::finalReward));
            Interval jo = interval(paired(jp, off, Run::finalReward));
            Interval to = interval(paired(tis, off, Run::finalReward));
            sb.append(String.format(Locale.ROOT, "| %d | %s | %.2f | %s | %s | %s | %s | %s |%n", level + 1,
                    trim(o.temperatures()[level]), interval(values(all, Run::meanKlActorPolicy)).mean(), jt.text("%+.3f"),
                    verdict(jt, "jackpot", "tis"), jo.text("%+.3f"), verdict(jo, "jackpot", "off-policy"),
                    to.text("%+.3f")));
        }

        if (o.longLevels() > 0) {
            int longSteps = o.steps() * o.longFactor();
            Interval longCeiling = interval(values(select(runs, LONG, -1, CEILING), Run::finalReward));
            sb.append(String.format(Locale.ROOT, "%n## Longer horizon: %d steps (%d×) at the %d largest gaps%n%n"
                    + "Does a method collapse late? final = mean reward of the last 20%%; min last third = the lowest"
                    + " %d-step trailing mean in the last third of the run; drop = peak − final of that smoothed curve."
                    + " On-policy ceiling at %d steps: %s.%n%n", longSteps, o.longFactor(), o.longLevels(), SMOOTH, longSteps,
                    longCeiling.text("%.3f")));
            sb.append("| T | method | mean KL(a‖p) | final | min last third | drop (peak − final) | main-horizon final |\n");
            sb.append("|---:|---|---:|---:|---:|---:|---:|\n");
            for (int level = n - o.longLevels(); level < n; level++) {
                for (String m : METHODS) {
                    List<Run> l = select(runs, LONG, level, m);
                    sb.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %s | %s | %s | %.3f |%n",
                            trim(o.temperatures()[level]), m, interval(values(l, Run::meanKlActorPolicy)).mean(),
                            interval(values(l, Run::finalReward)).text("%.3f"),
                            interval(values(l, Run::minLastThird)).text("%.3f"),
                            interval(values(l, r -> r.peak() - r.finalReward())).text("%.3f"),
                            interval(values(select(runs, MAIN, level, m), Run::finalReward)).mean()));
                }
            }
            sb.append("\n| T | jackpot − tis, final | | jackpot − tis, min last third | | jackpot − off-policy, final |\n");
            sb.append("|---:|---:|---|---:|---|---:|\n");
            for (int level = n - o.longLevels(); level < n; level++) {
                List<Run> tis = select(runs, LONG, level, "tis");
                List<Run> jp = select(runs, LONG, level, "jackpot");
                List<Run> off = select(runs, LONG, level, "off-policy");
                Interval f = interval(paired(jp, tis, Run::finalReward));
                Interval mn = interval(paired(jp, tis, Run::minLastThird));
                Interval fo = interval(paired(jp, off, Run::finalReward));
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", trim(o.temperatures()[level]),
                        f.text("%+.3f"), verdict(f, "jackpot", "tis"), mn.text("%+.3f"), verdict(mn, "jackpot", "tis"),
                        fo.text("%+.3f")));
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- chart

    static void writeChart(Options o, List<Run> runs) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("Final reward vs measured actor-policy gap (" + o.seeds() + " seeds, " + o.steps() + " steps, 95% CI)")
                .xAxisTitle("measured gap: mean KL(actor_T || policy) over the run, nats/token")
                .yAxisTitle("final reward of the policy").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        int n = o.temperatures().length;
        for (String m : METHODS) {
            double[] x = new double[n];
            double[] y = new double[n];
            double[] e = new double[n];
            for (int level = 0; level < n; level++) {
                List<Run> r = select(runs, MAIN, level, m);
                x[level] = interval(values(r, Run::meanKlActorPolicy)).mean();
                Interval reward = interval(values(r, Run::finalReward));
                y[level] = reward.mean();
                e[level] = reward.half();
                minX = Math.min(minX, x[level]);
                maxX = Math.max(maxX, x[level]);
            }
            // points in order of the measured gap, so the line does not zigzag if a level's gap is out of order
            int[] order = IntStream.range(0, n).boxed().sorted(Comparator.comparingDouble(i -> x[i]))
                    .mapToInt(Integer::intValue).toArray();
            double[] xs = new double[n];
            double[] ys = new double[n];
            double[] es = new double[n];
            for (int i = 0; i < n; i++) {
                xs[i] = x[order[i]];
                ys[i] = y[order[i]];
                es[i] = e[order[i]];
            }
            chart.addSeries(m, xs, ys, es).setMarker(SeriesMarkers.CIRCLE);
        }
        Interval ceiling = interval(values(select(runs, MAIN, -1, CEILING), Run::finalReward));
        double[] span = {minX, maxX};
        XYSeries c = chart.addSeries(String.format(Locale.ROOT, "on-policy ceiling %.3f", ceiling.mean()), span,
                new double[] {ceiling.mean(), ceiling.mean()});
        c.setMarker(SeriesMarkers.NONE);
        c.setLineColor(java.awt.Color.BLACK);
        String[] names = {"on-policy 95% CI (dashed)", "on-policy CI high"};
        double[] bounds = {ceiling.lo(), ceiling.hi()};
        for (int i = 0; i < 2; i++) {
            XYSeries b = chart.addSeries(names[i], span, new double[] {bounds[i], bounds[i]});
            b.setShowInLegend(i == 0);
            b.setMarker(SeriesMarkers.NONE);
            b.setLineStyle(SeriesLines.DASH_DASH);
            b.setLineColor(java.awt.Color.GRAY);
        }
        BitmapEncoder.saveBitmap(chart, o.out().resolve("sweep-reward").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
