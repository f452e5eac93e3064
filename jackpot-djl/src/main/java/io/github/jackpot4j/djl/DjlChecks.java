package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.lang.ref.Reference;
import java.nio.Buffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * The value rules of MATH.md §1, with the core's message format; shapes and dtypes are checked at
 * once on the host (static methods). A deferred instance collects one cheap device test per rule (a
 * whole-array reduction to a 0-d boolean; on a float32 CPU array, a Java loop over it read in place
 * instead of engine ops) and {@link #verify()} reads them all back in one host read;
 * only when one fails are the exact checks run again in order, to name the input, its first bad index
 * and value (the error path, never the training path).
 */
final class DjlChecks {
    private static final float LOG_PROB_TOLERANCE = 1e-4f;

    /**
     * A rule: a device test of a whole array (true = some element breaks it), the check that names it,
     * and, for CPU arrays of {@code hostTypes}, the same test as one Java loop over the array read in
     * place (no engine op; null: the device test everywhere).
     */
    private record Rule(UnaryOperator<NDArray> flag, BiConsumer<String, NDArray> check, Broken host,
                        DataType... hostTypes) {
        Rule(UnaryOperator<NDArray> flag, BiConsumer<String, NDArray> check) {
            this(flag, check, (Broken) null);
        }

        /** A rule whose host test reads float32 arrays. */
        Rule(UnaryOperator<NDArray> flag, BiConsumer<String, NDArray> check, FloatsBroken host) {
            this(flag, check, values -> host.test((FloatBuffer) values), DataType.FLOAT32);
        }

        /** A rule whose host test reads int32 or int64 ids ({@link DjlHost#ids}: an IntBuffer or a LongBuffer). */
        static Rule overIds(UnaryOperator<NDArray> flag, BiConsumer<String, NDArray> check, Broken host) {
            return new Rule(flag, check, host, DataType.INT64, DataType.INT32);
        }
    }

    /** True when some element of a CPU array breaks a rule (the array read in place, as {@link DjlHost} gives it). */
    private interface Broken {
        boolean test(Buffer values);
    }

    /** {@link Broken} for float32 arrays. */
    private interface FloatsBroken {
        boolean test(FloatBuffer values);
    }

    private static final Rule LOG_PROBS = new Rule(a -> float32(a).max().lte(LOG_PROB_TOLERANCE).logicalNot(),
            (name, a) -> element(name, a, f -> f.isNaN().logicalOr(f.gt(LOG_PROB_TOLERANCE)),
                    " is not a log-prob; log-probs must be <= 0 (-inf is allowed), not NaN or +inf"),
            f -> outside(f, Float.NEGATIVE_INFINITY, LOG_PROB_TOLERANCE));
    // max − min is ±∞ or NaN iff an element is (or, harmlessly, when it overflows: the exact check then passes)
    private static final Rule FINITE = new Rule(a -> float32(a).max().sub(float32(a).min()).abs()
            .lt(Float.POSITIVE_INFINITY).logicalNot(),
            (name, a) -> element(name, a, f -> f.isNaN().logicalOr(f.isInfinite()), " is not finite"),
            f -> outside(f, -Float.MAX_VALUE, Float.MAX_VALUE));
    private static final Rule MASK = new Rule(a -> zeroOrOne(float32(a)).all().logicalNot(),
            (name, a) -> element(name, a, f -> zeroOrOne(f).logicalNot(), " must be 0 or 1"),
            f -> {
                for (int i = 0, n = f.limit(); i < n; i++) {
                    float x = f.get(i);
                    if (x != 0f && x != 1f) {
                        return true;
                    }
                }
                return false;
            });
    private static final Rule UNIFORMS = new Rule(a -> float32(a).min().gte(0f).logicalAnd(float32(a).max().lt(1f))
            .logicalNot(),
            (name, a) -> element(name, a, f -> f.lt(0f).logicalOr(f.gte(1f)).logicalOr(f.isNaN()), " is outside [0, 1)"),
            f -> outside(f, 0f, Math.nextDown(1f))); // x < 1 for a float is x <= the float below 1
    private static final Rule LOGITS = new Rule(a -> badRows(float32(a).max(new int[] {-1})).any(),
            DjlChecks::logitsExact);

    private final boolean values;
    /** Java loops over CPU arrays where a rule has one (false: the device tests everywhere, as on a GPU). */
    private final boolean onHost;
    private final NDList flags = new NDList();
    private final List<Runnable> exact = new ArrayList<>();
    private boolean hostFailed;

    private DjlChecks(boolean values, boolean onHost) {
        this.values = values;
        this.onHost = onHost;
    }

    /**
     * Rules collected for one {@link #verify()}, in the inputs' (sub-)manager; {@code values = false}
     * (trusted inputs) skips the value rules, except those {@link #ids} marks as always checked.
     */
    static DjlChecks deferred(boolean values) {
        return deferred(values, true);
    }

    /**
     * {@link #deferred(boolean)}; {@code onHost = false} keeps the device tests for CPU arrays too
     * ({@code Options.hostKernel(false)}: the op sequence a GPU runs).
     */
    static DjlChecks deferred(boolean values, boolean onHost) {
        return new DjlChecks(values, onHost);
    }

    /** NaN, +∞ or a log-prob above the tolerance. */
    void logProbs(String name, NDArray a) {
        value(name, a, LOG_PROBS);
    }

    void finite(String name, NDArray a) {
        value(name, a, FINITE);
    }

    void mask(String name, NDArray a) {
        value(name, a, MASK);
    }

    void uniforms(String name, NDArray a) {
        value(name, a, UNIFORMS);
    }

    /**
     * Distinct ids within each top-k list [..., k]. On the CPU the ids already sit in host memory, so
     * the test is a Java loop over them, read in place (several times faster there than libtorch's sort
     * of many short rows; {@link DjlHost}); on any other device it stays a device test (a sort per list) read back
     * with the others. Either way a failure is named by the same exact check.
     */
    void distinct(String name, NDArray ids) {
        int k = (int) ids.getShape().get(ids.getShape().dimension() - 1);
        if (k >= 2) {
            value(name, ids, Rule.overIds(DjlChecks::repeats, DjlChecks::distinctExact,
                    values -> repeatsOnHost(values, k, DjlHost.threads(ids))));
        }
    }

    /**
     * Ids in [0, vocab); {@code vocab = Long.MAX_VALUE} means unknown (then only negatives are errors).
     * {@code always}: also on the trusted path.
     */
    void ids(String name, NDArray ids, long vocab, boolean always) {
        Rule rule = Rule.overIds(a -> vocab == Long.MAX_VALUE ? a.min().lt(0)
                : a.min().lt(0).logicalOr(a.max().gte(vocab)), (n, a) -> idsExact(n, a, vocab),
                values -> DjlHost.idRange(values).outside(vocab));
        if (always) {
            register(name, ids, rule);
        } else {
            value(name, ids, rule);
        }
    }

    /**
     * Logits [..., V] (MATH.md §1, for logits): every value finite or −∞ (−∞ = probability 0 is legal)
     * once converted to float32, where the math runs — so a half-precision or float64 value that is or
     * becomes ±∞ there is caught here and named — and at least one finite logit per row (a row of only
     * −∞ has no distribution). NaN and +∞ are errors: log-softmax turns them into NaN log-probs, and
     * DJL would give a finite loss with a NaN gradient. The device test is one row reduction: max over V
     * is NaN if the row has a NaN (torch's max propagates NaN), +∞ if it has a +∞, −∞ if every logit is −∞.
     */
    void logits(String name, NDArray a) {
        Shape shape = a.getShape();
        if (shape.dimension() == 0 || shape.get(shape.dimension() - 1) == 0) {
            throw new IllegalArgumentException(name + " has shape " + shape + ": the vocabulary V (last axis) must be"
                    + " at least 1");
        }
        value(name, a, LOGITS);
    }

    /**
     * {@link #logits} for the logits entry point with float32 logits, read off what the loss computes
     * anyway: the top-k values [B,T,k] of the log-softmax of {@code logits}. A row breaks the logits rule
     * (a NaN, a +∞, or every logit −∞) exactly when its log-softmax is NaN somewhere — torch's
     * log-softmax subtracts the row max, so ∞ − ∞ and NaN spread over the row — and top-k ranks NaN
     * first: one [B,T,k] test instead of a reduction over V. Only a failing batch pays the full check.
     */
    void logitsFromTopK(String name, NDArray logits, NDArray topLogProbs) {
        value(name, topLogProbs, new Rule(top -> top.isNaN().any(), (n, top) -> {
            try (NDArray nan = top.isNaN()) {
                if (any(nan)) {
                    logitsExact(n, logits);
                    throw new IllegalStateException(n + ": NaN log-probs from logits that pass the logits rule");
                }
            }
        }, f -> outside(f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY))); // only NaN is outside
    }

    private void value(String name, NDArray a, Rule rule) {
        if (values) {
            register(name, a, rule);
        }
    }

    private void register(String name, NDArray a, Rule rule) {
        if (!a.isEmpty()) { // an empty array breaks no rule (and torch refuses its full reductions)
            if (onHost && rule.host() != null && DjlHost.readable(a, rule.hostTypes())) {
                try { // a CPU array: the test as a Java loop over it, read in place
                    hostFailed |= rule.host().test(a.getDataType() == DataType.FLOAT32 ? DjlHost.floats(a) : DjlHost.ids(a));
                } finally {
                    Reference.reachabilityFence(a);
                }
            } else {
                flags.add(rule.flag().apply(a));
            }
            exact.add(() -> rule.check().accept(name, a));
        }
    }

    /**
     * One host read for every rule collected since the last call; when one failed, the exact checks in
     * the order they were collected, so the first bad input is named as by an eager check.
     */
    void verify() {
        boolean failed = hostFailed;
        if (!flags.isEmpty()) {
            try (NDArray stacked = NDArrays.stack(flags); NDArray any = stacked.any()) {
                failed |= any.getBoolean();
            }
        }
        List<Runnable> pending = new ArrayList<>(exact);
        flags.clear();
        exact.clear();
        hostFailed = false;
        if (failed) {
            pending.forEach(Runnable::run);
        }
    }

    /**
     * True when some element of {@code f} is not in [lo, hi] (NaN never is): the host test of every
     * float rule that is a range (log-probs, finite, uniforms, not NaN), one loop for all of them.
     */
    private static boolean outside(FloatBuffer f, float lo, float hi) {
        for (int i = 0, n = f.limit(); i < n; i++) {
            float x = f.get(i);
            if (!(x >= lo && x <= hi)) {
                return true;
            }
        }
        return false;
    }

    /** A float32 view of {@code a}: detached (no copy, nothing recorded for autograd), or a float32 copy. */
    private static NDArray float32(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a.stopGradient() : a.toType(DataType.FLOAT32, false);
    }

    private static NDArray zeroOrOne(NDArray f) {
        return f.eq(0f).logicalOr(f.eq(1f));
    }

    private static NDArray badRows(NDArray rowMax) {
        return rowMax.isNaN().logicalOr(rowMax.isInfinite());
    }

    /** True when a list [..., k] repeats an id: the lists sorted, neighbours compared (O(k log k) per list). */
    static NDArray repeats(NDArray ids) {
        NDArray sorted = ids.sort(-1);
        return sorted.get("..., 1:").eq(sorted.get("..., :-1")).any();
    }

    /**
     * True when a list of {@code k} consecutive ids of {@code ids} (a {@link java.nio.LongBuffer} or an
     * {@link java.nio.IntBuffer}, from index 0 to its limit) repeats one: each list copied out in bulk
     * and added to a bit set over ids ({@link DjlHost.IdBits}), or, with an id beyond it, compared
     * pairwise (no branch) when short and sorted when long; the lists split into
     * {@code threads} ranges ({@link DjlHost#anyRows}).
     */
    static boolean repeatsOnHost(Buffer ids, int k, int threads) {
        return DjlHost.anyRows(ids.limit() / k, threads, (from, to) -> repeatsIn(ids, from, to, k));
    }

    private static boolean repeatsIn(Buffer ids, int fromList, int toList, int k) {
        boolean repeat = false;
        long[] list = new long[k];
        int[] narrow = new int[k];
        DjlHost.IdBits seen = new DjlHost.IdBits();
        for (int base = fromList * k, end = toList * k; base < end && !repeat; base += k) {
            DjlHost.copyIds(ids, base, list, narrow, k);
            if (seen.holds(list, k)) { // one bit per id: set and test together
                repeat = seen.addAll(list, k);
                seen.clear(list, k);
            } else if (k <= 32) { // ids beyond the bit set: pairwise, no branch
                for (int i = 1; i < k; i++) {
                    long id = list[i];
                    for (int j = 0; j < i; j++) {
                        repeat |= list[j] == id;
                    }
                }
            } else {
                Arrays.sort(list);
                for (int i = 1; i < k; i++) {
                    repeat |= list[i] == list[i - 1];
                }
            }
        }
        return repeat;
    }

    /** An element rule checked exactly: the first element {@code bad} marks, with its value. */
    private static void element(String name, NDArray a, UnaryOperator<NDArray> bad, String rule) {
        try (NDManager scope = a.getManager().newSubManager()) {
            NDArray f = copy(scope, a, DataType.FLOAT32);
            NDArray b = bad.apply(f);
            if (any(b)) {
                throw new IllegalArgumentException(name + firstIndex(b) + " = " + valueAt(f, b) + rule);
            }
        }
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

    /** The logits rule exactly: the first NaN or +∞ logit (in float32), else the first row of only −∞. */
    private static void logitsExact(String name, NDArray a) {
        try (NDManager scope = a.getManager().newSubManager()) {
            NDArray f = copy(scope, a, DataType.FLOAT32);
            NDArray bad = f.isNaN().logicalOr(f.eq(Float.POSITIVE_INFINITY));
            if (any(bad)) {
                int flat = firstFlat(bad);
                float value = f.toFloatArray()[flat];
                if (Float.isNaN(value)) {
                    throw new IllegalArgumentException(name + firstIndex(bad) + " is NaN");
                }
                String given = a.getDataType() != DataType.FLOAT64 ? String.valueOf(value)
                        : a.toDoubleArray()[flat] + " (as float32: " + value + ")";
                throw new IllegalArgumentException(name + firstIndex(bad) + " = " + given
                        + " is not a legal logit: logits must be finite or -inf in float32 (NaN and +inf are not)");
            }
            NDArray empty = f.max(new int[] {-1}).eq(Float.NEGATIVE_INFINITY);
            if (any(empty)) {
                throw new IllegalArgumentException(name + firstIndex(empty) + " has every logit = -inf: that row has"
                        + " no distribution (at least one logit must be finite)");
            }
        }
    }

    private static void idsExact(String name, NDArray ids, long vocab) {
        boolean known = vocab != Long.MAX_VALUE;
        try (NDManager scope = ids.getManager().newSubManager()) {
            NDArray l = copy(scope, ids, DataType.INT64);
            NDArray bad = known ? l.lt(0).logicalOr(l.gte(vocab)) : l.lt(0);
            if (any(bad)) {
                throw new IllegalArgumentException(name + firstIndex(bad) + " = " + l.toLongArray()[firstFlat(bad)]
                        + " is outside the vocabulary [0, " + (known ? String.valueOf(vocab) : "V") + ")");
            }
        }
    }

    /** The first position of a list [..., k] whose id occurs twice in it (a [..., k, k] comparison). */
    private static void distinctExact(String name, NDArray ids) {
        try (NDManager scope = ids.getManager().newSubManager()) {
            NDArray c = copy(scope, ids, ids.getDataType());
            NDArray dup = c.expandDims(-1).eq(c.expandDims(-2)).toType(DataType.INT32, false).sum(new int[] {-1}).gt(1);
            if (any(dup)) {
                throw new IllegalArgumentException(name + firstIndex(dup) + " repeats an id of the same list; ids"
                        + " within one top-k list must be distinct (k = " + c.getShape().get(c.getShape().dimension() - 1)
                        + ")");
            }
        }
    }

    /** A copy of {@code a} in {@code scope}, so that what is derived from it closes with the scope. */
    private static NDArray copy(NDManager scope, NDArray a, DataType type) {
        NDArray c = a.toType(type, true);
        c.attach(scope);
        return c;
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
