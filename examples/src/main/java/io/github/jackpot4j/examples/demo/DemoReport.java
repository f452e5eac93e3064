package io.github.jackpot4j.examples.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** What {@code jackpot demo} reports of its runs: the table of methods and the reward and KL charts. */
final class DemoReport {
    private DemoReport() {
    }

    static void printTable(String scenario, int steps, long[] seeds, boolean markdown,
                           Map<String, List<List<StepRecord>>> runs, PrintWriter out) {
        out.printf(Locale.ROOT, "%nscenario %s, %d steps, seeds %s: final reward = the policy's own mean reward over the"
                + " last 20%% of steps (mean ± std over seeds); max weight over all steps and seeds; acceptance = mean"
                + " over all steps and seeds; final KL(a||p) = mean over seeds at the last step%n",
                scenario, steps, Arrays.toString(seeds));
        if (markdown) {
            out.println("| method | final reward | max weight | acceptance | final KL(a‖p) |");
            out.println("|---|---:|---:|---:|---:|");
        } else {
            out.printf(Locale.ROOT, "%-16s %15s %12s %12s %12s%n", "method", "final reward", "max weight", "acceptance",
                    "final KL(a||p)");
        }
        for (Map.Entry<String, List<List<StepRecord>>> e : runs.entrySet()) {
            double[] finals = e.getValue().stream().mapToDouble(StepRecord::finalReward).toArray();
            double mean = Arrays.stream(finals).average().orElse(0);
            double spread = finals.length > 1 ? Math.sqrt(Arrays.stream(finals).map(f -> (f - mean) * (f - mean)).sum()
                    / (finals.length - 1)) : 0;
            double maxWeight = e.getValue().stream().flatMap(List::stream).mapToDouble(StepRecord::weightMax)
                    .max().orElse(0);
            double acceptance = e.getValue().stream().flatMap(List::stream).mapToDouble(StepRecord::acceptance).average()
                    .orElse(1);
            double kl = e.getValue().stream().mapToDouble(r -> r.get(r.size() - 1).klActorPolicy()).average()
                    .orElse(Double.NaN);
            String klText = Double.isNaN(kl) ? "-" : String.format(Locale.ROOT, "%.3f", kl);
            if (markdown) {
                out.printf(Locale.ROOT, "| %s | %.3f ± %.3f | %.2f | %.2f | %s |%n", e.getKey(), mean, spread, maxWeight,
                        acceptance, klText);
            } else {
                out.printf(Locale.ROOT, "%-16s %7.3f ± %.3f %12.3f %12.3f %12s%n", e.getKey(), mean, spread, maxWeight,
                        acceptance, klText);
            }
        }
    }

    static void writeCharts(String scenario, Path dir, Map<String, List<List<StepRecord>>> runs) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart reward = new XYChartBuilder().width(900).height(520).title("Mean reward per step (" + scenario + ")")
                .xAxisTitle("step").yAxisTitle("reward").build();
        XYChart kl = new XYChartBuilder().width(900).height(520).title("KL(actor || policy) per step (" + scenario + ")")
                .xAxisTitle("step").yAxisTitle("KL (nats)").build();
        boolean anyKl = false;
        for (Map.Entry<String, List<List<StepRecord>>> e : runs.entrySet()) {
            List<List<StepRecord>> seeds = e.getValue();
            int n = seeds.get(0).size();
            double[] x = new double[n];
            double[] r = new double[n];
            double[] k = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = i;
                for (List<StepRecord> s : seeds) {
                    r[i] += s.get(i).reward() / seeds.size();
                    k[i] += s.get(i).klActorPolicy() / seeds.size();
                }
            }
            reward.addSeries(e.getKey(), x, smooth(r)).setMarker(SeriesMarkers.NONE);
            if (!Double.isNaN(k[0])) {
                kl.addSeries(e.getKey(), x, k).setMarker(SeriesMarkers.NONE);
                anyKl = true;
            }
        }
        BitmapEncoder.saveBitmap(reward, dir.resolve(scenario + "-reward").toString(), BitmapEncoder.BitmapFormat.PNG);
        if (anyKl) {
            BitmapEncoder.saveBitmap(kl, dir.resolve(scenario + "-kl").toString(), BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static double[] smooth(double[] v) {
        double[] out = new double[v.length];
        double s = v.length > 0 ? v[0] : 0;
        for (int i = 0; i < v.length; i++) {
            s = 0.8 * s + 0.2 * v[i];
            out[i] = s;
        }
        return out;
    }
}
