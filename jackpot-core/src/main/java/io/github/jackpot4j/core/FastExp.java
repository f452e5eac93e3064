package io.github.jackpot4j.core;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * e^x within 1 ulp of {@link Math#exp} (docs/math.md, "Exponentials of the union normalizer"), inlined
 * by the JIT where {@code Math.exp} is a call into a runtime stub. The table-driven scheme of ARM's
 * optimized-routines {@code exp}: x = (k/N)·ln 2 + r with N = 128 and |r| ≤ ln 2/256, e^x =
 * 2^(k/N) · (1 + tail + p(r)) with 2^(i/N) as a double plus its relative tail and a degree-5
 * polynomial p (ARM's coefficients; their bound is 0.511 ulp from e^x). Arguments outside (−512, 512)
 * (and NaN, ±∞) go to {@code Math.exp}, so subnormal, zero and infinite results are {@code Math.exp}'s.
 * The reduction, the polynomial and the final scaling use {@link Math#fma} (as ARM's C does under
 * FP contraction), and the table's tail is added to the polynomial last, so that the table-free part
 * ({@link #shifted}, {@link #poly}) can run for a whole block in a loop the JIT vectorizes
 * ({@link #prepare}) and only the lookup and scaling ({@link #finish}) per element; {@link #exp} does
 * the same operations, hence the same bits. Results within 1 ulp of the unfused form of commit
 * d085de9 and of {@code Math.exp} (docs/math.md §4). {@code Math.fma} is a single instruction on
 * x86-64 since Haswell and on every AArch64; on hardware without FMA it is exact but slow.
 */
final class FastExp {
    private static final int BITS = 7;
    private static final int N = 1 << BITS;
    private static final double INV_LN2_N = 0x1.71547652b82fep0 * N;
    private static final double SHIFT = 0x1.8p52;
    private static final double NEG_LN2_HI_N = -0x1.62e42fefa0000p-8;
    private static final double NEG_LN2_LO_N = -0x1.cf79abc9e3b3ap-47;
    private static final double C2 = 0x1.ffffffffffdbdp-2;
    private static final double C3 = 0x1.555555555543cp-3;
    private static final double C4 = 0x1.55555cf172b91p-5;
    private static final double C5 = 0x1.1111167a4d017p-7;
    /** TABLE[2i] = the relative tail of 2^(i/N) beyond its double; TABLE[2i+1] = that double's bits − (i << 45). */
    private static final long[] TABLE = table();

    private FastExp() {
    }

    /** |x| below this takes the table path; beyond it (and NaN, ±∞) {@code Math.exp}. */
    static final double RANGE = 512.0;

    static double exp(double x) {
        if (!(Math.abs(x) < RANGE)) {
            return Math.exp(x);
        }
        double kd = shifted(x);
        return scaled(kd, poly(x, kd));
    }

    /** k + 0x1.8p52 with k = round(x·N/ln 2): the table index and the exponent in the low bits. */
    static double shifted(double x) {
        return INV_LN2_N * x + SHIFT;
    }

    /**
     * The polynomial part of e^r − 1 without the table's tail, r = x − k·ln2/N: only multiplies, adds and
     * fused multiply-adds, so a loop of it over an array is vectorized by the JIT ({@link #prepare}).
     */
    static double poly(double x, double shifted) {
        double kd = shifted - SHIFT;
        double r = Math.fma(kd, NEG_LN2_LO_N, Math.fma(kd, NEG_LN2_HI_N, x));
        double r2 = r * r;
        return Math.fma(r2 * r2, Math.fma(r, C5, C4), Math.fma(r2, Math.fma(r, C3, C2), r));
    }

    /** 2^(k/N) · (1 + tail + poly): the table lookup and the scaling, for |x| < 512. */
    static double scaled(double shifted, double poly) {
        long ki = Double.doubleToRawLongBits(shifted);
        int idx = 2 * (int) (ki & (N - 1));
        long top = ki << (52 - BITS);
        double tail = Double.longBitsToDouble(TABLE[idx]);
        double scale = Double.longBitsToDouble(TABLE[idx + 1] + top);
        return Math.fma(scale, poly + tail, scale);
    }

    /**
     * e^x − 1 for |x| < {@link #RANGE} by the same reduction as {@link #exp}: 2^(k/N) · (1 + tail + p) − 1 as
     * one fused multiply-add, scale·(tail + p) + (scale − 1), where scale − 1 is exact for scale in [1/2, 2]
     * (Sterbenz) and for k = 0 (|x| ≤ ln2/256) scale is 1 and the result is p itself, so small arguments
     * keep their relative accuracy (docs/math.md, "The KL k3 metric's e^d − 1").
     */
    static double expm1(double x) {
        double kd = shifted(x);
        double p = poly(x, kd);
        long ki = Double.doubleToRawLongBits(kd);
        int idx = 2 * (int) (ki & (N - 1));
        long top = ki << (52 - BITS);
        double tail = Double.longBitsToDouble(TABLE[idx]);
        double scale = Double.longBitsToDouble(TABLE[idx + 1] + top);
        return Math.fma(scale, p + tail, scale - 1.0);
    }

    /** e^x from the parts {@link #prepare} computed: the same bits as {@link #exp}. */
    static double finish(double x, double shifted, double poly) {
        if (!(Math.abs(x) < RANGE)) {
            return Math.exp(x);
        }
        return scaled(shifted, poly);
    }

    /**
     * The parts of e^x that need no table, for x[0..n): a loop the JIT vectorizes (multiplies, adds and
     * FMAs on doubles only); {@link #finish} completes each one. Arguments out of range give garbage
     * parts that {@link #finish} ignores.
     */
    static void prepare(double[] x, int n, double[] shifted, double[] poly) {
        for (int i = 0; i < n; i++) {
            double v = x[i];
            double kd = INV_LN2_N * v + SHIFT;
            shifted[i] = kd;
            poly[i] = poly(v, kd);
        }
    }

    /** 2^(i/N) to 50 digits by Newton's method on y^N = 2^i, split into a double and its relative tail. */
    private static long[] table() {
        MathContext mc = new MathContext(50);
        BigDecimal n = BigDecimal.valueOf(N);
        long[] t = new long[2 * N];
        for (int i = 0; i < N; i++) {
            BigDecimal target = BigDecimal.valueOf(2).pow(i);
            BigDecimal y = new BigDecimal(Math.pow(2.0, i / (double) N));
            for (int it = 0; it < 3; it++) {
                BigDecimal yN1 = y.pow(N - 1, mc);
                y = y.subtract(y.multiply(yN1, mc).subtract(target, mc).divide(n.multiply(yN1, mc), mc), mc);
            }
            double hi = y.doubleValue();
            double tail = y.subtract(new BigDecimal(hi), mc).divide(new BigDecimal(hi), mc).doubleValue();
            t[2 * i] = Double.doubleToRawLongBits(tail);
            t[2 * i + 1] = Double.doubleToRawLongBits(hi) - ((long) i << (52 - BITS));
        }
        return t;
    }
}
