package io.github.jackpot4j.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws time vs N for every {@code CoreBenchmark} method from a JMH JSON result file (k = 20):
 * {@code java -cp jackpot-bench/target/benchmarks.jar io.github.jackpot4j.bench.BenchChart RESULT.json OUT.png} (or {@code OUT.svg}).
 */
public final class BenchChart {
    private BenchChart() {
    }

    /** Entry point: args = JMH JSON result, output PNG. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: BenchChart RESULT.json OUT.png");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        Map<String, Map<Integer, Double>> series = new TreeMap<>();
        try (Reader r = Files.newBufferedReader(Path.of(args[0]))) {
            JsonArray results = JsonParser.parseReader(r).getAsJsonArray();
            for (JsonElement e : results) {
                JsonObject o = e.getAsJsonObject();
                String name = o.get("benchmark").getAsString();
                JsonObject params = o.getAsJsonObject("params");
                if (!name.contains("CoreBenchmark") || !params.get("k").getAsString().equals("20")) {
                    continue;
                }
                int tokens = params.get("tokens").getAsInt();
                double ms = o.getAsJsonObject("primaryMetric").get("score").getAsDouble() / 1000.0; // us → ms
                series.computeIfAbsent(name.substring(name.lastIndexOf('.') + 1), n -> new TreeMap<>()).put(tokens, ms);
            }
        }
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Jackpot loss, k = 20: time per call vs N")
                .xAxisTitle("N tokens").yAxisTitle("time (ms)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        for (Map.Entry<String, Map<Integer, Double>> e : series.entrySet()) {
            if (e.getKey().equals("validate")) {
                continue;
            }
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            e.getValue().forEach((n, t) -> {
                x.add((double) n);
                y.add(t);
            });
            chart.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        if (args[1].endsWith(".svg")) {
            VectorGraphicsEncoder.saveVectorGraphic(chart, args[1].replaceAll("\\.svg$", ""),
                    VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } else {
            BitmapEncoder.saveBitmap(chart, args[1].replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
