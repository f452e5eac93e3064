package io.github.jackpot4j.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

import io.github.jackpot4j.core.JackpotBatch;

/** The single-JVM view of a log: each step's rows as one batch (rows in sequence order, padded to the longest). */
final class LocalReference {
    private LocalReference() {
    }

    /**
     * One batch per step. The rows of a step must be the consecutive sequences first..first+B−1
     * (one batch of everything has no gaps).
     */
    static TreeMap<Long, JackpotBatch> batches(List<RolloutLog.Sequence> rows) {
        TreeMap<Long, List<RolloutLog.Sequence>> bySteps = new TreeMap<>();
        for (RolloutLog.Sequence s : rows) {
            bySteps.computeIfAbsent(s.step, x -> new ArrayList<>()).add(s);
        }
        TreeMap<Long, JackpotBatch> out = new TreeMap<>();
        for (List<RolloutLog.Sequence> step : bySteps.values()) {
            step.sort(Comparator.comparingLong(s -> s.sequence));
            int length = 0;
            for (int i = 0; i < step.size(); i++) {
                length = Math.max(length, step.get(i).length);
                if (step.get(i).sequence != step.get(0).sequence + i) {
                    throw new IllegalArgumentException("step " + step.get(0).step + " has a gap or a repeat before"
                            + " sequence " + step.get(i).sequence + ": one batch of everything needs consecutive rows");
                }
            }
            RolloutLog.Sequence first = step.get(0);
            out.put(first.step, Chunks.batch(new Chunks.Chunk(first.step, first.sequence, step), length, first.k));
        }
        return out;
    }
}
