package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

/**
 * {@link Execution#parallel(ForkJoinPool)} runs rows on the calling thread and the pool's workers:
 * with a pool of one worker (the common pool on 2 cores) two threads share the rows, every row runs
 * exactly once, and a failure in any row reaches the caller.
 */
class ExecutionThreadsTest {
    private static Execution.RowWork<Object> recording(AtomicIntegerArray runs, Set<Thread> threads) {
        return new Execution.RowWork<>() {
            @Override
            public Object newWorker() {
                return new Object();
            }

            @Override
            public void run(int from, int to, Object worker) {
                threads.add(Thread.currentThread());
                for (int r = from; r < to; r++) {
                    runs.incrementAndGet(r);
                }
                try {
                    Thread.sleep(2); // long enough for the helper to start and claim chunks
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    @Test
    void onePoolWorkerPlusTheCallerMakeTwoThreads() {
        ForkJoinPool pool = new ForkJoinPool(1);
        try {
            int rows = 64;
            AtomicIntegerArray runs = new AtomicIntegerArray(rows);
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            Execution.parallel(pool).forRows(rows, 1 << 20, recording(runs, threads), new Object());
            for (int r = 0; r < rows; r++) {
                assertEquals(1, runs.get(r), "row " + r);
            }
            assertTrue(threads.contains(Thread.currentThread()), "the caller works");
            assertEquals(2, threads.size(), "caller + 1 worker: " + threads);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailingRowReachesTheCaller() {
        ForkJoinPool pool = new ForkJoinPool(2);
        try {
            IllegalStateException boom = new IllegalStateException("row 37");
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () ->
                    Execution.parallel(pool).forRows(64, 1 << 20, new Execution.RowWork<Object>() {
                        @Override
                        public Object newWorker() {
                            return new Object();
                        }

                        @Override
                        public void run(int from, int to, Object worker) {
                            if (from <= 37 && 37 < to) {
                                throw boom;
                            }
                        }
                    }, new Object()));
            assertSame(boom, thrown);
        } finally {
            pool.shutdownNow();
        }
    }
}
