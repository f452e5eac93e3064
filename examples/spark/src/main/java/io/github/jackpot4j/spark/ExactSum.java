package io.github.jackpot4j.spark;

import java.io.Serializable;

/**
 * A sum of doubles in double-double arithmetic (Knuth's TwoSum): the error of adding n terms is of
 * order n·2^-106 of their absolute sum, so the result does not depend, to double precision, on how
 * the terms were partitioned or in which order the partial sums were merged. Mergeable, serializable:
 * Spark's treeAggregate carries it.
 */
final class ExactSum implements Serializable {
    private static final long serialVersionUID = 1L;
    private double hi;
    private double lo;
    /** Σ|x|, for error bounds. */
    private double abs;
    private long count;

    ExactSum add(double x) {
        double s = hi + x;
        double bb = s - hi;
        double err = (hi - (s - bb)) + (x - bb);
        hi = s;
        lo += err;
        abs += Math.abs(x);
        count++;
        return this;
    }

    ExactSum merge(ExactSum o) {
        double s = hi + o.hi;
        double bb = s - hi;
        double err = (hi - (s - bb)) + (o.hi - bb);
        hi = s;
        lo += o.lo + err;
        abs += o.abs;
        count += o.count;
        return this;
    }

    /** The sum rounded to a double. */
    double value() {
        return hi + lo;
    }

    /** Σ|x| of the terms added. */
    double absSum() {
        return abs;
    }

    /** Number of terms added. */
    long count() {
        return count;
    }
}
