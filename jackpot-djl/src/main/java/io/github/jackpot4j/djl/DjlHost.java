package io.github.jackpot4j.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.stream.IntStream;

/**
 * Host loops over CPU arrays, for the steps where libtorch's CPU kernels are slow or take many small
 * ops (the distinct-ids rule of MATH.md §1, the top-k of §1/§4).
 * An array is read in place through a direct buffer on the tensor's memory, which does not keep the
 * tensor alive: callers hold the array until the loop ends. Loops split their rows over PyTorch's
 * intra-op thread count (the user's {@code ai.djl.pytorch.num_threads}), run on the common pool and
 * the calling thread. Results are written straight into new engine-owned arrays.
 */
final class DjlHost {
    /** Below this many elements a loop runs on the calling thread only (splitting costs more than it saves). */
    static final long PARALLEL_ELEMENTS = 1 << 17;

    /** {@code ai.djl.pytorch.jni.JniUtils.getNumThreads()}, when the PyTorch engine is on the class path. */
    private static final MethodHandle TORCH_THREADS = torchThreads();

    private DjlHost() {
    }

    /** A range of rows [from, to) of a host loop. */
    interface Rows {
        void run(int from, int to);
    }

    /** A range of rows [from, to) of a host test: true when one of them breaks the rule. */
    interface RowTest {
        boolean test(int from, int to);
    }

    /**
     * True when {@code a} is a CPU array of one of {@code types}, so a host loop can read it in place:
     * at most 2^31 − 1 bytes (the limit of a direct buffer on a tensor; larger arrays keep the device ops).
     */
    static boolean readable(NDArray a, DataType... types) {
        if (!a.getDevice().getDeviceType().equals(Device.Type.CPU)
                || a.size() * a.getDataType().getNumOfBytes() > Integer.MAX_VALUE) {
            return false;
        }
        for (DataType t : types) {
            if (a.getDataType() == t) {
                return true;
            }
        }
        return false;
    }

    /** The ids of an int32 or int64 CPU array in place: an {@link IntBuffer} or a {@link LongBuffer}. */
    static Buffer ids(NDArray ids) {
        ByteBuffer bytes = ids.toByteBuffer(true); // a non-contiguous array is made contiguous in its own manager
        return ids.getDataType() == DataType.INT64 ? bytes.asLongBuffer() : bytes.asIntBuffer();
    }

    /** The least and the largest of some ids (Long.MAX_VALUE and Long.MIN_VALUE for none). */
    record IdRange(long min, long max) {
        /** True when an id lies outside [0, vocab). */
        boolean outside(long vocab) {
            return min < 0 || max >= vocab;
        }
    }

    /** The range of the ids of {@code ids} (an {@link IntBuffer} or a {@link LongBuffer}), from index 0 to its limit. */
    static IdRange idRange(Buffer ids) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        if (ids instanceof LongBuffer) {
            LongBuffer longs = (LongBuffer) ids;
            for (int i = 0, n = longs.limit(); i < n; i++) {
                long id = longs.get(i);
                min = Math.min(min, id);
                max = Math.max(max, id);
            }
        } else {
            IntBuffer ints = (IntBuffer) ids;
            for (int i = 0, n = ints.limit(); i < n; i++) {
                int id = ints.get(i);
                min = Math.min(min, id);
                max = Math.max(max, id);
            }
        }
        return new IdRange(min, max);
    }

    /** Copies {@code count} ids of {@code ids} (an {@link IntBuffer} or a {@link LongBuffer}) from {@code index}. */
    static void copyIds(Buffer ids, int index, long[] to, int[] narrow, int count) {
        if (ids instanceof LongBuffer) {
            ((LongBuffer) ids).get(index, to, 0, count);
        } else {
            ((IntBuffer) ids).get(index, narrow, 0, count);
            for (int i = 0; i < count; i++) {
                to[i] = narrow[i];
            }
        }
    }

    /**
     * A set of ids as one bit per id, for the per-list tests of the host loops: set, test and clear in
     * one load, shift and mask per id instead of k comparisons. Ids from 0 up to {@link #MAX_ID} are
     * held (the words grow to the largest seen); a list with an id outside that range is not held
     * ({@link #holds} false) and its caller compares it pairwise. Every word is zero between lists.
     */
    static final class IdBits {
        /** The largest id held: 2^22 − 1 (a 512 KiB set at most, above every vocabulary in use). */
        static final long MAX_ID = (1L << 22) - 1;
        private long[] words = new long[64];

        /** True when every id of {@code list[0..count)} is in [0, MAX_ID]; grows the set to hold them. */
        boolean holds(long[] list, int count) {
            long max = 0;
            long min = 0;
            for (int i = 0; i < count; i++) {
                max = Math.max(max, list[i]);
                min = Math.min(min, list[i]);
            }
            if (min < 0 || max > MAX_ID) {
                return false;
            }
            if ((max >>> 6) >= words.length) {
                words = java.util.Arrays.copyOf(words, Integer.highestOneBit((int) (max >>> 6)) << 1);
            }
            return true;
        }

        /** Adds the ids; true when one of them was already in the set (a repeat). */
        boolean addAll(long[] list, int count) {
            long[] w = words;
            boolean repeat = false;
            for (int i = 0; i < count; i++) {
                long id = list[i];
                int word = (int) (id >>> 6);
                long bit = 1L << id;
                repeat |= (w[word] & bit) != 0;
                w[word] |= bit;
            }
            return repeat;
        }

        /** Empties the set, which holds no ids but these. */
        void clear(long[] list, int count) {
            long[] w = words;
            for (int i = 0; i < count; i++) {
                w[(int) (list[i] >>> 6)] = 0L;
            }
        }
    }

    /**
     * Threads for a host loop over {@code a}'s elements: PyTorch's intra-op thread count, at most the
     * common pool's workers plus the calling thread, and 1 below {@link #PARALLEL_ELEMENTS} elements or
     * on another engine.
     */
    static int threads(NDArray a) {
        if (a.size() < PARALLEL_ELEMENTS || TORCH_THREADS == null
                || !"PyTorch".equals(a.getManager().getEngine().getEngineName())) {
            return 1;
        }
        try {
            int torch = (int) TORCH_THREADS.invokeExact();
            return Math.max(1, Math.min(torch, java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + 1));
        } catch (Throwable e) {
            return 1;
        }
    }

    /** Runs rows [0, rows) as {@code threads} ranges (the calling thread and the common pool). */
    static void forRows(int rows, int threads, Rows work) {
        if (threads <= 1 || rows < threads) {
            work.run(0, rows);
        } else {
            IntStream.range(0, threads).parallel().forEach(p -> work.run(from(rows, threads, p), from(rows, threads, p + 1)));
        }
    }

    /** True when a range of rows [0, rows) fails {@code test}; ranges as {@link #forRows}, stopping early. */
    static boolean anyRows(int rows, int threads, RowTest test) {
        if (threads <= 1 || rows < threads) {
            return test.test(0, rows);
        }
        return IntStream.range(0, threads).parallel().anyMatch(p -> test.test(from(rows, threads, p), from(rows, threads, p + 1)));
    }

    private static int from(int rows, int threads, int part) {
        return (int) ((long) rows * part / threads);
    }

    /**
     * A new CPU array in engine-owned memory (uninitialized), for a host loop to fill in place through
     * {@link #floats} or {@link #longs}: no Java array and no copy to upload. Every element must be written.
     */
    static NDArray newArray(NDManager manager, Shape shape, DataType type) {
        return manager.create(shape, type);
    }

    /** The elements of a contiguous float32 CPU array (e.g. from {@link #newArray}), in place. */
    static FloatBuffer floats(NDArray a) {
        return a.toByteBuffer(true).asFloatBuffer();
    }

    /** The elements of a contiguous int64 CPU array (e.g. from {@link #newArray}), in place. */
    static LongBuffer longs(NDArray a) {
        return a.toByteBuffer(true).asLongBuffer();
    }

    private static MethodHandle torchThreads() {
        try {
            Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils");
            return MethodHandles.publicLookup().findStatic(jni, "getNumThreads", MethodType.methodType(int.class));
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
