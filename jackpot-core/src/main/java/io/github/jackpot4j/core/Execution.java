package io.github.jackpot4j.core;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Where the rows of a batch are processed: on the calling thread, or in parallel on the calling
 * thread and a {@link ForkJoinPool}'s workers. Every choice gives the same result bit for bit, because
 * each row's partial sums are reduced in row order whatever thread computed them.
 */
public final class Execution {
    /** Batches with fewer (token × list) elements than this stay sequential under {@link #auto()}. */
    static final long AUTO_PARALLEL_THRESHOLD = 1L << 15;

    private static final Execution SEQUENTIAL = new Execution(null, false);
    private static final Execution AUTO = new Execution(null, true);

    private final ForkJoinPool pool;
    private final boolean auto;

    private Execution(ForkJoinPool pool, boolean auto) {
        this.pool = pool;
        this.auto = auto;
    }

    /** Everything on the calling thread. */
    public static Execution sequential() {
        return SEQUENTIAL;
    }

    /**
     * Rows in parallel on the common pool plus the calling thread for large batches (when there is
     * more than one processor), sequential for small ones (the default).
     */
    public static Execution auto() {
        return AUTO;
    }

    /**
     * Rows always in parallel: the calling thread and the common pool's workers (nproc − 1 of them,
     * so nproc threads in all).
     */
    public static Execution parallel() {
        return parallel(ForkJoinPool.commonPool());
    }

    /** Rows always in parallel: the calling thread and the given pool's workers. */
    public static Execution parallel(ForkJoinPool pool) {
        if (pool == null) {
            throw new IllegalArgumentException("pool is null");
        }
        return new Execution(pool, false);
    }

    /** Row-range work: runs {@code [from, to)} with a per-worker state created by {@link #newWorker()}. */
    interface RowWork<W> {
        W newWorker();

        void run(int from, int to, W worker);
    }

    <W> void forRows(int rows, long workPerRow, RowWork<W> work, W callerWorker) {
        ForkJoinPool p = pool;
        if (auto) {
            // The caller works too, so the common pool's nproc − 1 workers make nproc threads.
            p = rows >= 2 && rows * workPerRow >= AUTO_PARALLEL_THRESHOLD
                    && Runtime.getRuntime().availableProcessors() > 1 ? ForkJoinPool.commonPool() : null;
        }
        if (p == null || rows < 2) {
            work.run(0, rows, callerWorker);
            return;
        }
        new Chunks<>(work, rows, p.getParallelism()).run(p, callerWorker);
    }

    /**
     * Rows split in chunks that the calling thread and up to {@code helpers} pool workers claim from
     * one counter. The caller always works: the common pool has nproc − 1 workers (1 on 2 cores), so
     * {@code ForkJoinPool.invoke} alone would leave one core idle. The caller returns once every chunk
     * is done; it never waits for a helper that has not started (a helper that starts late finds no
     * chunk left and returns).
     */
    private static final class Chunks<W> {
        private final RowWork<W> work;
        private final int rows;
        private final int grain;
        private final int chunks;
        private final int helpers;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        private final Thread caller = Thread.currentThread();
        private volatile Throwable failure;

        Chunks(RowWork<W> work, int rows, int poolParallelism) {
            this.work = work;
            this.rows = rows;
            int threads = Math.max(1, poolParallelism) + 1;
            this.grain = Math.max(1, rows / (4 * threads));
            this.chunks = (rows + grain - 1) / grain;
            this.helpers = Math.min(threads - 1, chunks - 1);
        }

        void run(ForkJoinPool p, W callerWorker) {
            for (int h = 0; h < helpers; h++) {
                p.execute(() -> drain(null));
            }
            drain(callerWorker);
            while (done.get() < chunks) {
                LockSupport.park(this);
            }
            Throwable f = failure;
            if (f instanceof RuntimeException) {
                throw (RuntimeException) f;
            }
            if (f instanceof Error) {
                throw (Error) f;
            }
            if (f != null) {
                throw new IllegalStateException(f);
            }
        }

        private void drain(W worker) {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    if (failure == null) {
                        if (worker == null) {
                            worker = work.newWorker();
                        }
                        int from = c * grain;
                        work.run(from, Math.min(rows, from + grain), worker);
                    }
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                } finally {
                    if (done.incrementAndGet() == chunks) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return auto ? "Execution.auto()" : pool == null ? "Execution.sequential()" : "Execution.parallel(" + pool + ")";
    }
}
