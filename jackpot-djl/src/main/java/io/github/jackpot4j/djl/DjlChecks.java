package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Validation before any math (MATH.md §1), with the core's message format. Each check is one device
 * reduction to a scalar; only when it fails is the offending array read back to name the first bad
 * index (the error path, never the training path).
 */
final class DjlChecks {
    private static final float LOG_PROB_TOLERANCE = 1e-4f;

    private DjlChecks() {
    }

    static void shape(String name, NDArray a, Shape expected) {
        if (!a.getShape().equals(expected)) {
            throw new IllegalArgumentException(name + " has shape " + a.getShape() + " but the batch needs " + expected);
        }
    }

    static void floating(String name, NDArray a) {
        DataType t = a.getDataType();
        if (!t.isFloating()) {
            throw new IllegalArgumentException(name + " has data type " + t + " but must be floating point");
        }
    }

    static void integer(String name, NDArray a) {
        DataType t = a.getDataType();
        if (!t.isInteger()) {
            throw new IllegalArgumentException(name + " has data type " + t + " but must hold integer ids");
        }
    }

    /**
     * Logits [..., V] (MATH.md §1, for logits): every value finite or −∞ (−∞ = probability 0 is legal)
     * once converted to float32, where the math runs — so a half-precision or float64 value that is or
     * becomes ±∞ there is caught here and named — and at least one finite logit per row (a row of only
     * −∞ has no distribution). NaN and +∞ are errors: log-softmax turns them into NaN log-probs, and
     * DJL would give a finite loss with a NaN gradient.
     */
    static void logits(String name, NDArray a) {
        Shape shape = a.getShape();
        if (shape.dimension() == 0 || shape.get(shape.dimension() - 1) == 0) {
            throw new IllegalArgumentException(name + " has shape " + shape + ": the vocabulary V (last axis) must be"
                    + " at least 1");
        }
        // The training path costs one row reduction: max over V is NaN if the row has a NaN (torch's max
        // propagates NaN), +∞ if it has a +∞, −∞ if every logit is −∞. A float32 input is read through a
        // detached view (no copy, nothing recorded for autograd); other types through a float32 copy.
        try (NDArray f = a.getDataType() == DataType.FLOAT32 ? a.stopGradient() : a.toType(DataType.FLOAT32, true);
             NDArray rowMax = f.max(new int[] {-1});
             NDArray rowNaN = rowMax.isNaN();
             NDArray rowInf = rowMax.isInfinite();
             NDArray rowBad = rowNaN.logicalOr(rowInf)) {
            if (!any(rowBad)) {
                return;
            }
            try (NDArray nan = f.isNaN();
                 NDArray plusInf = f.eq(Float.POSITIVE_INFINITY);
                 NDArray bad = nan.logicalOr(plusInf)) {
                if (any(bad)) {
                    int flat = firstFlat(bad);
                    if (Float.isNaN(f.toFloatArray()[flat])) {
                        throw new IllegalArgumentException(name + firstIndex(bad) + " is NaN");
                    }
                    String value = original(a, f, flat);
                    String converted = a.getDataType() != DataType.FLOAT64 ? "" : " (as float32: " + f.toFloatArray()[flat] + ")";
                    throw new IllegalArgumentException(name + firstIndex(bad) + " = " + value + converted
                            + " is not a legal logit: logits must be finite or -inf in float32 (NaN and +inf are not)");
                }
            }
            throw new IllegalArgumentException(name + firstIndex(rowBad) + " has every logit = -inf: that row has"
                    + " no distribution (at least one logit must be finite)");
        }
    }

    /**
     * {@link #logits} for the logits entry point with float32 logits, read off what the loss computes
     * anyway: the top-k values [B,T,k] of the log-softmax of {@code logits}. A row breaks the logits rule (a NaN,
     * a +∞, or every logit −∞) exactly when its log-softmax is NaN somewhere — torch's log-softmax
     * subtracts the row max, so ∞ − ∞ and NaN spread over the row — and top-k ranks NaN first: one
     * [B,T,k] test instead of a reduction over V. Only a failing batch pays the full {@link #logits}
     * check, which names the first bad element with the same message as before.
     */
    static void logitsFromTopK(String name, NDArray logits, NDArray topLogProbs) {
        try (NDArray nan = topLogProbs.isNaN()) {
            if (!any(nan)) {
                return;
            }
        }
        logits(name, logits);
        throw new IllegalStateException(name + ": NaN log-probs from logits that pass the logits rule");
    }

    /** The value at {@code flat} as the caller gave it (double for float64 inputs, else the float32 copy's). */
    private static String original(NDArray a, NDArray f, int flat) {
        if (a.getDataType() == DataType.FLOAT64) {
            return String.valueOf(a.toDoubleArray()[flat]);
        }
        return String.valueOf(f.toFloatArray()[flat]);
    }

    /** NaN, +∞ or a log-prob above the tolerance. */
    static void logProbs(String name, NDArray a) {
        try (NDArray f = a.toType(DataType.FLOAT32, true);
             NDArray nan = f.isNaN();
             NDArray high = f.gt(LOG_PROB_TOLERANCE);
             NDArray bad = nan.logicalOr(high)) {
            if (any(bad)) {
                String index = firstIndex(bad);
                throw new IllegalArgumentException(name + index + " = " + valueAt(f, bad)
                        + " is not a log-prob; log-probs must be <= 0 (-inf is allowed), not NaN or +inf");
            }
        }
    }

    static void finite(String name, NDArray a) {
        try (NDArray f = a.toType(DataType.FLOAT32, true);
             NDArray nan = f.isNaN();
             NDArray inf = f.isInfinite();
             NDArray bad = nan.logicalOr(inf)) {
            if (any(bad)) {
                throw new IllegalArgumentException(name + firstIndex(bad) + " = " + valueAt(f, bad) + " is not finite");
            }
        }
    }

    /** Ids in [0, vocab); {@code vocab = Long.MAX_VALUE} means unknown (then only negatives are errors). */
    static void ids(String name, NDArray ids, long vocab) {
        boolean known = vocab != Long.MAX_VALUE;
        try (NDArray low = ids.lt(0);
             NDArray high = known ? ids.gte(vocab) : ids.lt(0);
             NDArray bad = low.logicalOr(high)) {
            if (any(bad)) {
                long id;
                try (NDArray l = ids.toType(DataType.INT64, true)) {
                    id = l.toLongArray()[firstFlat(bad)];
                }
                throw new IllegalArgumentException(name + firstIndex(bad) + " = " + id
                        + " is outside the vocabulary [0, " + (known ? String.valueOf(vocab) : "V") + ")");
            }
        }
    }

    /**
     * Distinct ids within each top-k list [..., k]: the lists sorted, neighbours compared — O(k log k)
     * per list on [..., k] arrays. Only when a repeat exists is the [..., k, k] comparison built, to
     * name the first repeating position.
     */
    static void distinct(String name, NDArray ids) {
        long k = ids.getShape().get(ids.getShape().dimension() - 1);
        if (k < 2) {
            return;
        }
        boolean repeats;
        try (NDArray sorted = ids.sort(-1);
             NDArray tail = sorted.get("..., 1:");
             NDArray head = sorted.get("..., :-1");
             NDArray same = tail.eq(head)) {
            repeats = any(same);
        }
        if (!repeats) {
            return;
        }
        try (NDArray a = ids.expandDims(-1);
             NDArray b = ids.expandDims(-2);
             NDArray eq = a.eq(b);
             NDArray count = eq.toType(DataType.INT32, false).sum(new int[] {-1});
             NDArray dup = count.gt(1)) {
            throw new IllegalArgumentException(name + firstIndex(dup)
                    + " repeats an id of the same list; ids within one top-k list must be distinct (k = " + k + ")");
        }
    }

    static void mask(String name, NDArray m) {
        try (NDArray f = m.toType(DataType.FLOAT32, true);
             NDArray zero = f.eq(0f);
             NDArray one = f.eq(1f);
             NDArray ok = zero.logicalOr(one);
             NDArray bad = ok.logicalNot()) {
            if (any(bad)) {
                throw new IllegalArgumentException(name + firstIndex(bad) + " = " + valueAt(f, bad) + " must be 0 or 1");
            }
        }
    }

    static void uniforms(String name, NDArray u) {
        try (NDArray f = u.toType(DataType.FLOAT32, true);
             NDArray low = f.lt(0f);
             NDArray high = f.gte(1f);
             NDArray nan = f.isNaN();
             NDArray out = low.logicalOr(high);
             NDArray bad = out.logicalOr(nan)) {
            if (any(bad)) {
                throw new IllegalArgumentException(name + firstIndex(bad) + " = " + valueAt(f, bad) + " is outside [0, 1)");
            }
        }
    }

    private static boolean any(NDArray bool) {
        try (NDArray any = bool.any()) {
            return any.getBoolean();
        }
    }

    private static int firstFlat(NDArray bool) {
        boolean[] flags = bool.toBooleanArray();
        for (int i = 0; i < flags.length; i++) {
            if (flags[i]) {
                return i;
            }
        }
        return 0;
    }

    static String firstIndex(NDArray bool) {
        int flat = firstFlat(bool);
        long[] shape = bool.getShape().getShape();
        long[] idx = new long[shape.length];
        long rest = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = rest % Math.max(shape[d], 1);
            rest /= Math.max(shape[d], 1);
        }
        StringBuilder sb = new StringBuilder("[");
        for (int d = 0; d < idx.length; d++) {
            sb.append(d > 0 ? "," : "").append(idx[d]);
        }
        return sb.append(']').toString();
    }

    private static float valueAt(NDArray f, NDArray bool) {
        return f.toFloatArray()[firstFlat(bool)];
    }
}
