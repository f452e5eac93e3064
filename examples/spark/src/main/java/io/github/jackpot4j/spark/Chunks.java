package io.github.jackpot4j.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import io.github.jackpot4j.core.JackpotBatch;

/**
 * Groups a partition's rows (sorted by step, then sequence) into chunks of consecutive global
 * sequences of one step, and turns a chunk into one {@link JackpotBatch} padded to the step's T
 * (padding tokens have response_mask = 0 and so contribute nothing, MATH.md §1) with its global
 * {@code sequenceOffset} and {@code step}, so that every row draws the u_t of the whole log (§3).
 */
final class Chunks {
    private Chunks() {
    }

    /** One chunk: rows of one step with consecutive sequences. */
    static final class Chunk {
        final long step;
        final long first;
        final List<RolloutLog.Sequence> rows;

        Chunk(long step, long first, List<RolloutLog.Sequence> rows) {
            this.step = step;
            this.first = first;
            this.rows = rows;
        }
    }

    /** The chunks of a sorted partition, at most {@code maxRows} rows each; refuses a sequence seen twice. */
    static Iterator<Chunk> of(Iterator<RolloutLog.Sequence> rows, int maxRows) {
        return new Iterator<>() {
            private RolloutLog.Sequence pending = rows.hasNext() ? rows.next() : null;

            @Override
            public boolean hasNext() {
                return pending != null;
            }

            @Override
            public Chunk next() {
                if (pending == null) {
                    throw new NoSuchElementException();
                }
                List<RolloutLog.Sequence> chunk = new ArrayList<>();
                RolloutLog.Sequence first = pending;
                chunk.add(first);
                pending = null;
                while (rows.hasNext()) {
                    RolloutLog.Sequence r = rows.next();
                    RolloutLog.Sequence last = chunk.get(chunk.size() - 1);
                    if (r.step == last.step && r.sequence == last.sequence) {
                        throw new RolloutLogException("column '" + RolloutLog.SEQUENCE + "': sequence " + r.sequence
                                + " of step " + r.step + " appears in two rows; each global sequence index must be"
                                + " unique within its step");
                    }
                    if (r.step < last.step || r.step == last.step && r.sequence < last.sequence) {
                        throw new IllegalStateException("rows are not sorted by (step, sequence) at " + r.where());
                    }
                    if (r.step == last.step && r.sequence == last.sequence + 1 && chunk.size() < maxRows) {
                        chunk.add(r);
                    } else {
                        pending = r;
                        break;
                    }
                }
                return new Chunk(first.step, first.sequence, chunk);
            }
        };
    }

    /**
     * The chunk as one batch of B = rows, T = {@code length} (the step's longest row), k lists; rows
     * shorter than T are padded with masked tokens. A row the core refuses is named by its sequence.
     */
    static JackpotBatch batch(Chunk chunk, int length, int k) {
        List<RolloutLog.Sequence> rows = chunk.rows;
        int b = rows.size();
        int n = b * length;
        float[] mask = new float[n];
        float[] rollout = new float[n];
        float[] old = new float[n];
        float[] latest = new float[n];
        float[] advantages = new float[n];
        int[] rIds = new int[n * k];
        float[] rLp = new float[n * k];
        int[] tIds = new int[n * k];
        float[] tLp = new float[n * k];
        float[] tAtR = new float[n * k];
        float padLp = (float) Math.log(0.5 / k);
        for (int r = 0; r < b; r++) {
            RolloutLog.Sequence s = rows.get(r);
            if (s.k != k) {
                throw new RolloutLogException("column '" + RolloutLog.K + "' is " + s.k + " in " + s.where()
                        + " but the log's k is " + k + ": one k per log");
            }
            int t0 = r * length;
            int tl = s.length;
            System.arraycopy(s.responseMask, 0, mask, t0, tl);
            System.arraycopy(s.rolloutLogProbs, 0, rollout, t0, tl);
            System.arraycopy(s.oldLogProbs, 0, old, t0, tl);
            System.arraycopy(s.logProbs, 0, latest, t0, tl);
            System.arraycopy(s.advantages, 0, advantages, t0, tl);
            System.arraycopy(s.rolloutTopkIds, 0, rIds, t0 * k, tl * k);
            System.arraycopy(s.rolloutTopkLogProbs, 0, rLp, t0 * k, tl * k);
            System.arraycopy(s.targetTopkIds, 0, tIds, t0 * k, tl * k);
            System.arraycopy(s.targetTopkLogProbs, 0, tLp, t0 * k, tl * k);
            System.arraycopy(s.targetLogProbsAtRolloutTopk, 0, tAtR, t0 * k, tl * k);
            for (int i = tl; i < length; i++) { // padding: masked, valid values, distinct ids
                for (int j = 0; j < k; j++) {
                    int e = (t0 + i) * k + j;
                    rIds[e] = j;
                    tIds[e] = j;
                    rLp[e] = padLp;
                    tLp[e] = padLp;
                    tAtR[e] = padLp;
                }
            }
        }
        try {
            return build(chunk.step, chunk.first, b, length, k, mask, rollout, old, latest, advantages, rIds, rLp, tIds,
                    tLp, tAtR);
        } catch (IllegalArgumentException e) {
            for (RolloutLog.Sequence s : rows) { // name the row: build each alone
                try {
                    single(s, k);
                } catch (IllegalArgumentException rowError) {
                    throw new RolloutLogException("in " + s.where() + ": " + rowError.getMessage()
                            + " (indices [0, t] or [0, t, j] are within that row)", rowError);
                }
            }
            throw e;
        }
    }

    /** The row alone as a batch of one (B = 1, T = its length), at its global sequence. */
    static JackpotBatch single(RolloutLog.Sequence s, int k) {
        return build(s.step, s.sequence, 1, s.length, k, s.responseMask, s.rolloutLogProbs, s.oldLogProbs, s.logProbs,
                s.advantages, s.rolloutTopkIds, s.rolloutTopkLogProbs, s.targetTopkIds, s.targetTopkLogProbs,
                s.targetLogProbsAtRolloutTopk);
    }

    private static JackpotBatch build(long step, long first, int b, int length, int k, float[] mask, float[] rollout,
                                      float[] old, float[] latest, float[] advantages, int[] rIds, float[] rLp,
                                      int[] tIds, float[] tLp, float[] tAtR) {
        return JackpotBatch.builder(b, length, k)
                .step(step)
                .sequenceOffset(first)
                .responseMask(mask)
                .rolloutLogProbs(rollout)
                .oldLogProbs(old)
                .logProbs(latest)
                .advantages(advantages)
                .rolloutTopK(rIds, rLp)
                .targetTopK(tIds, tLp)
                .targetLogProbsAtRolloutTopK(tAtR)
                .build();
    }

    /** T of each step: the longest row's length. */
    static int lengthOf(Map<Long, Integer> lengths, long step) {
        Integer t = lengths.get(step);
        if (t == null) {
            throw new IllegalStateException("no length for step " + step);
        }
        return t;
    }
}
