package io.github.jackpot4j.core;

// A frozen copy of main-source FastExp as of commit d085de9 (the kernel before the speed2 work): with it,
// the reference kernel reproduces that kernel bit for bit (KernelEquivalenceTest). Do not change it.

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * e^x within 1 ulp of {@link Math#exp} (docs/math.md, "Exponentials of the union normalizer"), inlined
 * by the JIT where {@code Math.exp} is a call into a runtime stub. The table-driven scheme of ARM's
 * optimized-routines {@code exp}: x = (k/N)·ln 2 + r with N = 128 and |r| ≤ ln 2/256, e^x =
 * 2^(k/N) · (1 + tail + p(r)) with 2^(i/N) as a double plus its relative tail and a degree-5
 * polynomial p (ARM's coefficients; their bound is 0.511 ulp from e^x). Arguments outside (−512, 512)
 * (and NaN, ±∞) go to {@code Math.exp}, so subnormal, zero and infinite results are {@code Math.exp}'s.
 */
final class PreviousFastExp {
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

    private PreviousFastExp() {
    }

    static double exp(double x) {
        if (!(Math.abs(x) < 512.0)) {
            return Math.exp(x);
        }
        double z = INV_LN2_N * x;
        double kd = z + SHIFT;
        long ki = Double.doubleToRawLongBits(kd);
        kd -= SHIFT;
        double r = x + kd * NEG_LN2_HI_N + kd * NEG_LN2_LO_N;
        int idx = 2 * (int) (ki & (N - 1));
        long top = ki << (52 - BITS);
        double tail = Double.longBitsToDouble(TABLE[idx]);
        double scale = Double.longBitsToDouble(TABLE[idx + 1] + top);
        double r2 = r * r;
        double tmp = tail + r + r2 * (C2 + r * C3) + r2 * r2 * (C4 + r * C5);
        return scale + scale * tmp;
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
