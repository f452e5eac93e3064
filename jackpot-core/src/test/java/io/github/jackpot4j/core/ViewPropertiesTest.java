package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.jackpot4j.core.testing.SyntheticRollouts;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * The tensor views are storage-agnostic: the same batch over plain arrays, arrays at offsets,
 * heap and direct {@link FloatBuffer}s, and int/long arrays or buffers of ids gives identical results
 * bit for bit. Every copy is surrounded by poison (NaN log-probs, out-of-vocabulary ids) so reading a
 * single element outside a view changes the result or fails validation, and buffers get an arbitrary
 * position, which views must ignore and never change.
 */
class ViewPropertiesTest {

    /** Where one input lives. */
    enum FloatStore { ARRAY_AT_OFFSET, HEAP_BUFFER, DIRECT_BUFFER }

    /** Where one id input lives. */
    enum IdStore { INT_ARRAY, LONG_ARRAY, HEAP_INT_BUFFER, DIRECT_INT_BUFFER, DIRECT_LONG_BUFFER }

    /** Copies inputs into random stores, remembering the buffers to check their positions afterwards. */
    static final class Stores {
        final SplittableRandom random;
        final List<java.nio.Buffer> buffers = new ArrayList<>();
        final List<Integer> positions = new ArrayList<>();
        final StringBuilder log = new StringBuilder();

        Stores(long seed) {
            random = new SplittableRandom(seed);
        }

        FloatView floats(String name, float[] data, int... shape) {
            FloatStore store = FloatStore.values()[random.nextInt(FloatStore.values().length)];
            int offset = random.nextInt(5);
            int capacity = offset + data.length + random.nextInt(5);
            log.append(name).append('=').append(store).append('@').append(offset).append(' ');
            switch (store) {
                case ARRAY_AT_OFFSET: {
                    float[] a = new float[capacity];
                    java.util.Arrays.fill(a, Float.NaN);
                    System.arraycopy(data, 0, a, offset, data.length);
                    return FloatView.at(a, offset, shape);
                }
                case HEAP_BUFFER: {
                    FloatBuffer b = FloatBuffer.allocate(capacity);
                    return FloatView.at(fill(b, data, offset), offset, shape);
                }
                default: {
                    FloatBuffer b = ByteBuffer.allocateDirect(4 * capacity).order(ByteOrder.nativeOrder()).asFloatBuffer();
                    return FloatView.at(fill(b, data, offset), offset, shape);
                }
            }
        }

        private FloatBuffer fill(FloatBuffer b, float[] data, int offset) {
            for (int i = 0; i < b.capacity(); i++) {
                b.put(i, Float.NaN);
            }
            for (int i = 0; i < data.length; i++) {
                b.put(offset + i, data[i]);
            }
            remember(b);
            return b;
        }

        IdView ids(String name, int[] data, int... shape) {
            IdStore store = IdStore.values()[random.nextInt(IdStore.values().length)];
            int offset = random.nextInt(5);
            int capacity = offset + data.length + random.nextInt(5);
            int poison = -7;
            log.append(name).append('=').append(store).append('@').append(offset).append(' ');
            switch (store) {
                case INT_ARRAY: {
                    int[] a = new int[capacity];
                    java.util.Arrays.fill(a, poison);
                    System.arraycopy(data, 0, a, offset, data.length);
                    return IdView.at(a, offset, shape);
                }
                case LONG_ARRAY: {
                    long[] a = new long[capacity];
                    java.util.Arrays.fill(a, poison);
                    for (int i = 0; i < data.length; i++) {
                        a[offset + i] = data[i];
                    }
                    return IdView.at(a, offset, shape);
                }
                case HEAP_INT_BUFFER:
                case DIRECT_INT_BUFFER: {
                    IntBuffer b = store == IdStore.HEAP_INT_BUFFER ? IntBuffer.allocate(capacity)
                            : ByteBuffer.allocateDirect(4 * capacity).order(ByteOrder.nativeOrder()).asIntBuffer();
                    for (int i = 0; i < capacity; i++) {
                        b.put(i, poison);
                    }
                    for (int i = 0; i < data.length; i++) {
                        b.put(offset + i, data[i]);
                    }
                    remember(b);
                    return IdView.at(b, offset, shape);
                }
                default: {
                    LongBuffer b = ByteBuffer.allocateDirect(8 * capacity).order(ByteOrder.nativeOrder()).asLongBuffer();
                    for (int i = 0; i < capacity; i++) {
                        b.put(i, poison);
                    }
                    for (int i = 0; i < data.length; i++) {
                        b.put(offset + i, data[i]);
                    }
                    remember(b);
                    return IdView.at(b, offset, shape);
                }
            }
        }

        private void remember(java.nio.Buffer b) {
            int position = random.nextInt(b.capacity() + 1);
            b.position(position);
            buffers.add(b);
            positions.add(position);
        }
    }

    @Test
    void everyStorageGivesTheSameResult() {
        Generators.qt(0x5EED_0901L, 300)
                .forAll(Generators.specs(8, 12, 5, 30), Generators.configs(), Generate.enumValues(SyntheticRollouts.Inputs.class),
                        longs().all())
                .checkAssert((spec, config0, mode, storeSeed) -> {
                    SyntheticRollouts g = spec.generate();
                    JackpotConfig config = Generators.withTopK(config0, g.k);
                    Target target = config.target();
                    JackpotResult reference = Results.compute(config, g.batch(target, mode), null,
                            Execution.sequential());

                    Stores s = new Stores(storeSeed);
                    int[] tokens = {g.batchSize, g.length};
                    JackpotBatch.Builder b = (mode == SyntheticRollouts.Inputs.FULL_VOCAB ? JackpotBatch.builder(g.batchSize, g.length).step(0)
                            : JackpotBatch.builder(g.batchSize, g.length, g.k).step(0))
                            .vocabSize(g.vocabSize)
                            .responseMask(s.floats("response_mask", g.responseMask, tokens))
                            .rolloutLogProbs(s.floats("rollout_log_probs", g.rolloutLogProbs, tokens))
                            .oldLogProbs(s.floats("old_log_probs", g.oldLogProbs, tokens))
                            .logProbs(s.floats("log_probs", g.logProbs, tokens))
                            .advantages(s.floats("advantages", g.advantages, tokens));
                    if (mode == SyntheticRollouts.Inputs.FULL_VOCAB) {
                        int[] full = {g.batchSize, g.length, g.vocabSize};
                        b.fullVocabLogProbs(s.floats("rollout_full", g.rolloutVocabLogProbs, full),
                                s.floats("target_full", g.targetVocabLogProbs(target), full));
                    } else {
                        SyntheticRollouts.TopKLists top = g.topK(target);
                        int[] lists = {g.batchSize, g.length, g.k};
                        b.rolloutTopK(s.ids("rollout_topk_ids", top.rolloutIds, lists),
                                        s.floats("rollout_topk_log_probs", top.rolloutLogProbs, lists))
                                .targetTopK(s.ids("target_topk_ids", top.targetIds, lists),
                                        s.floats("target_topk_log_probs", top.targetLogProbs, lists))
                                .targetLogProbsAtRolloutTopK(s.floats("target_log_probs_at_rollout_topk", top.targetAtRollout, lists));
                        if (mode == SyntheticRollouts.Inputs.TOP_K_CROSS) {
                            b.rolloutLogProbsAtTargetTopK(s.floats("rollout_log_probs_at_target_topk", top.rolloutAtTarget, lists));
                        }
                    }
                    String where = spec + ", " + config + ", mode=" + mode + ", stores: " + s.log;
                    JackpotResult viewed = Results.compute(config, b.build(), null, Execution.sequential());
                    assertNull(Results.firstDifference(reference, viewed), () -> where + ": differs from arrays");
                    for (int i = 0; i < s.buffers.size(); i++) {
                        final int index = i;
                        assertEquals((int) s.positions.get(i), s.buffers.get(i).position(),
                                () -> where + ": buffer " + index + "'s position changed");
                    }
                });
    }
}
