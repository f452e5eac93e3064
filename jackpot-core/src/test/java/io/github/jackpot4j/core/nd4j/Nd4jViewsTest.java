package io.github.jackpot4j.core.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jackpot4j.core.FloatView;
import io.github.jackpot4j.core.IdView;
import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.JackpotResult;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The ND4J bridge on the real nd4j-native CPU backend. */
class Nd4jViewsTest {
    @Test
    void contiguousFloatArraysAreReadInPlace() {
        INDArray a = Nd4j.create(new float[] {-1, -2, -3, -4, -5, -6}, new long[] {2, 3}, 'c');
        assertTrue(Nd4jViews.isZeroCopy(a, false));
        FloatView v = Nd4jViews.floatView(a);
        assertEquals(-6f, v.get(5));
        a.putScalar(new long[] {1, 2}, -42f); // a write to the INDArray is seen through the view: no copy
        assertEquals(-42f, v.get(5));
        assertArrayEquals(new int[] {2, 3}, v.shape());
    }

    @Test
    void rowViewsKeepTheirOffset() {
        INDArray base = Nd4j.create(new float[] {0, -1, -2, -3, -4, -5, -6, -7, -8}, new long[] {3, 3}, 'c');
        INDArray rows = base.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()); // rows 1-2: contiguous, offset 3
        FloatView v = Nd4jViews.floatView(rows);
        assertEquals(-3f, v.get(0));
        assertEquals(-8f, v.get(5));
    }

    @Test
    void nonContiguousOrOtherTypesAreCopied() {
        INDArray f = Nd4j.create(new float[] {-1, -2, -3, -4, -5, -6}, new long[] {2, 3}, 'f');
        assertFalse(Nd4jViews.isZeroCopy(f, false));
        FloatView v = Nd4jViews.floatView(f);
        assertEquals(f.getFloat(0, 1), v.get(1)); // row-major reading of an 'f' array: copied in 'c' order
        INDArray column = Nd4j.create(new float[] {0, -1, -2, -3, -4, -5}, new long[] {2, 3}, 'c')
                .get(NDArrayIndex.all(), NDArrayIndex.interval(1, 3));
        assertFalse(Nd4jViews.isZeroCopy(column, false));
        assertEquals(-5f, Nd4jViews.floatView(column).get(3));
        INDArray doubles = Nd4j.create(new double[] {-0.5, -0.25}, new long[] {1, 2}, DataType.DOUBLE);
        assertEquals(-0.25f, Nd4jViews.floatView(doubles).get(1));
        INDArray ids = Nd4j.create(new long[] {3, 7}, new long[] {1, 2}, DataType.LONG);
        assertTrue(Nd4jViews.isZeroCopy(ids, true));
        IdView idView = Nd4jViews.idView(ids);
        assertEquals(7, idView.get(1));
        INDArray intIds = Nd4j.create(new int[] {5, 9}, new long[] {1, 2}, DataType.INT);
        assertEquals(9, Nd4jViews.idView(intIds).get(1));
    }

    @Test
    void batchFromINDArraysGivesTheArrayResult() {
        int b = 2;
        int t = 3;
        int k = 2;
        SplittableRandom rng = new SplittableRandom(3);
        float[] lp = new float[b * t];
        float[] old = new float[b * t];
        float[] roll = new float[b * t];
        float[] adv = new float[b * t];
        float[] rTop = new float[b * t * k];
        float[] tTop = new float[b * t * k];
        float[] cross = new float[b * t * k];
        int[] rIds = new int[b * t * k];
        long[] tIds = new long[b * t * k];
        for (int i = 0; i < b * t; i++) {
            lp[i] = (float) -rng.nextDouble();
            old[i] = (float) -rng.nextDouble();
            roll[i] = (float) -rng.nextDouble();
            adv[i] = (float) rng.nextGaussian();
            for (int j = 0; j < k; j++) {
                rTop[i * k + j] = (float) -rng.nextDouble();
                tTop[i * k + j] = (float) -rng.nextDouble();
                cross[i * k + j] = (float) -rng.nextDouble();
                rIds[i * k + j] = j + i;
                tIds[i * k + j] = 2 * j + i;
            }
        }
        JackpotConfig config = JackpotConfig.builder().topK(k).build();
        JackpotBatch arrays = JackpotBatch.builder(b, t, k).step(0).logProbs(lp).oldLogProbs(old).rolloutLogProbs(roll)
                .advantages(adv).rolloutTopK(rIds, rTop).targetTopK(tIds, tTop).targetLogProbsAtRolloutTopK(cross).build();
        JackpotResult expected = Jackpot.compute(config, arrays);

        long[] tok = {b, t};
        long[] lists = {b, t, k};
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("log_probs", Nd4j.create(lp, tok, 'c'));
        m.put("old_log_probs", Nd4j.create(old, tok, 'c'));
        m.put("rollout_log_probs", Nd4j.create(roll, tok, 'c'));
        m.put("advantages", Nd4j.create(adv, tok, 'c'));
        m.put("rollout_topk_ids", Nd4j.create(rIds, lists, DataType.INT));
        m.put("rollout_topk_log_probs", Nd4j.create(rTop, lists, 'c'));
        m.put("target_topk_ids", Nd4j.create(tIds, lists, DataType.LONG));
        m.put("target_topk_log_probs", Nd4j.create(tTop, lists, 'c'));
        m.put("target_log_probs_at_rollout_topk", Nd4j.create(cross, lists, 'c'));
        JackpotResult viaNd4j = Jackpot.compute(config, Nd4jViews.builder(b, t, k, m).step(0).build());
        assertArrayEquals(expected.weights(), viaNd4j.weights());
        assertArrayEquals(expected.gradLogProbs(), viaNd4j.gradLogProbs());
        assertEquals(expected.loss(), viaNd4j.loss(), 0.0);

        INDArray weights = Nd4jViews.shaped(viaNd4j, viaNd4j.weights());
        assertArrayEquals(new long[] {b, t}, weights.shape());
        assertEquals(viaNd4j.weights()[4], weights.getFloat(1, 1));

        m.put("logprobs", m.get("log_probs"));
        assertThrows(IllegalArgumentException.class, () -> Nd4jViews.builder(b, t, k, m).step(0).build());
    }

    /** A batch over INDArrays that nothing but the batch references once this method returns. */
    private static JackpotBatch batchOverDroppedArrays(int b, int t, int k, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = b * t;
        float[] lp = new float[n];
        float[] old = new float[n];
        float[] roll = new float[n];
        float[] adv = new float[n];
        float[] top = new float[n * k];
        int[] ids = new int[n * k];
        for (int i = 0; i < n; i++) {
            lp[i] = (float) -rng.nextDouble();
            old[i] = (float) -rng.nextDouble();
            roll[i] = (float) -rng.nextDouble();
            adv[i] = (float) rng.nextGaussian();
            for (int j = 0; j < k; j++) {
                top[i * k + j] = (float) -rng.nextDouble() - 1;
                ids[i * k + j] = j;
            }
        }
        long[] tok = {b, t};
        long[] lists = {b, t, k};
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("log_probs", Nd4j.create(lp, tok, 'c'));
        m.put("old_log_probs", Nd4j.create(old, tok, 'c'));
        m.put("rollout_log_probs", Nd4j.create(roll, tok, 'c'));
        m.put("advantages", Nd4j.create(adv, tok, 'c'));
        m.put("rollout_topk_ids", Nd4j.create(ids, lists, DataType.INT));
        m.put("rollout_topk_log_probs", Nd4j.create(top, lists, 'c'));
        m.put("target_topk_ids", Nd4j.create(ids, lists, DataType.INT));
        m.put("target_topk_log_probs", Nd4j.create(top, lists, 'c'));
        m.put("target_log_probs_at_rollout_topk", Nd4j.create(top, lists, 'c'));
        return Nd4jViews.builder(b, t, k, m).step(3).build();
    }

    @Test
    void aZeroCopyBatchKeepsTheArraysItReadsAliveThroughCollections() {
        // The caller drops every INDArray after building the batch; garbage collections and NaN-filled
        // allocations that could reuse freed native memory must not change the loss (before the views
        // kept their INDArrays alive, this gave NaN in 50 of 50 tries).
        JackpotConfig config = JackpotConfig.builder().topK(4).build();
        double expected = Jackpot.compute(config, batchOverDroppedArrays(8, 16, 4, 99L)).loss();
        assertTrue(Double.isFinite(expected));
        for (int attempt = 0; attempt < 20; attempt++) {
            JackpotBatch batch = batchOverDroppedArrays(8, 16, 4, 99L);
            for (int i = 0; i < 3; i++) {
                System.gc();
                INDArray garbage = Nd4j.valueArrayOf(new long[] {64, 1024}, Float.NaN, DataType.FLOAT);
                assertTrue(Float.isNaN(garbage.getFloat(0, 0)));
            }
            assertEquals(expected, Jackpot.compute(config, batch).loss(), 0.0, "attempt " + attempt);
        }
    }
}
