package io.github.jackpot4j.core;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Where the rows of a batch are processed: on the calling thread, or in parallel on a
 * {@link ForkJoinPool}. Every choice gives the same result bit for bit, because each row's partial
 * sums are reduced in row order whatever thread computed them.
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

    /** Rows in parallel on the common pool for large batches, sequential for small ones (the default). */
    public static Execution auto() {
        return AUTO;
    }

    /** Rows always in parallel on the common pool. */
    public static Execution parallel() {
        return parallel(ForkJoinPool.commonPool());
    }

    /** Rows always in parallel on the given pool. */
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
            p = rows >= 2 && rows * workPerRow >= AUTO_PARALLEL_THRESHOLD
                    && ForkJoinPool.getCommonPoolParallelism() > 1 ? ForkJoinPool.commonPool() : null;
        }
        if (p == null || rows < 2) {
            work.run(0, rows, callerWorker);
            return;
        }
        int grain = Math.max(1, rows / (4 * p.getParallelism()));
        p.invoke(new RowTask<>(work, 0, rows, grain));
    }

    private static final class RowTask<W> extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final transient RowWork<W> work;
        private final int from;
        private final int to;
        private final int grain;

        RowTask(RowWork<W> work, int from, int to, int grain) {
            this.work = work;
            this.from = from;
            this.to = to;
            this.grain = grain;
        }

        @Override
        protected void compute() {
            if (to - from <= grain) {
                work.run(from, to, work.newWorker());
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new RowTask<>(work, from, mid, grain), new RowTask<>(work, mid, to, grain));
        }
    }

    @Override
    public String toString() {
        return auto ? "Execution.auto()" : pool == null ? "Execution.sequential()" : "Execution.parallel(" + pool + ")";
    }
}
