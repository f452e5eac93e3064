package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * {@link FastExp#exp} is within 1 ulp of {@link Math#exp} (the exponential of the kernel before
 * issue 12) and of {@link StrictMath#exp} (fdlibm), on every float log-prob of a dense grid and on
 * random doubles over the whole range; special values are Math.exp's.
 */
class FastExpTest {
    private static long ulps(double a, double b) {
        if (a == b) {
            return 0;
        }
        return Math.abs(Double.doubleToLongBits(a) - Double.doubleToLongBits(b));
    }

    private static long check(double x) {
        double fast = FastExp.exp(x);
        long d = Math.max(ulps(fast, Math.exp(x)), ulps(fast, StrictMath.exp(x)));
        assertTrue(d <= 1, () -> "exp(" + x + ") = " + fast + " vs Math.exp " + Math.exp(x) + ", StrictMath.exp "
                + StrictMath.exp(x));
        return d;
    }

    @Test
    void withinOneUlpOnFloatLogProbs() {
        // every 97th float in [-30, 0] (a float log-prob is what the kernel exponentiates) ...
        int from = Float.floatToIntBits(-30f);
        int exact = 0;
        int n = 0;
        for (int bits = Float.floatToIntBits(-0f) + 1; bits < from; bits += 97) {
            exact += check(Float.intBitsToFloat(bits)) == 0 ? 1 : 0;
            n++;
        }
        // ... and every float in [-8, 0] at a coarser stride, plus positive values up to 30
        for (float x = -8f; x < 30f; x += 1.0e-4f) {
            exact += check(x) == 0 ? 1 : 0;
            n++;
        }
        assertTrue(exact > 0.95 * n, exact + " of " + n + " equal Math.exp exactly");
    }

    @Test
    void withinOneUlpOnRandomDoubles() {
        SplittableRandom r = new SplittableRandom(12);
        for (int i = 0; i < 2_000_000; i++) {
            check(r.nextDouble(-745.5, 709.8));
        }
        for (int i = 0; i < 200_000; i++) {
            check(r.nextDouble(-1e-6, 1e-6));
        }
    }

    /**
     * The fused-multiply-add form against the form of commit d085de9 ({@link PreviousFastExp}): within
     * 1 ulp everywhere, identical bits almost everywhere (an exhaustive run over all 2.28e9 floats with
     * |x| < 520 found 213,351 that differ, each by 1 ulp: docs/math.md §4).
     */
    @Test
    void withinOneUlpOfThePreviousFastExp() {
        SplittableRandom r = new SplittableRandom(13);
        int differing = 0;
        int n = 0;
        for (int i = 0; i < 2_000_000; i++, n++) {
            float x = (float) r.nextDouble(-60, 0.5);
            differing += checkAgainstPrevious(x);
        }
        for (int i = 0; i < 1_000_000; i++, n++) {
            differing += checkAgainstPrevious(r.nextDouble(-745.5, 709.8));
        }
        int atMost = n / 1000;
        assertTrue(differing <= atMost, differing + " of " + n + " differ from the previous FastExp");
    }

    /** The two-step form of the kernel's blocks ({@code prepare}, vectorized, then {@code finish}) is exp's bits. */
    @Test
    void preparedPartsGiveTheSameBits() {
        SplittableRandom r = new SplittableRandom(14);
        int n = 4096;
        double[] x = new double[n];
        double[] shifted = new double[n];
        double[] poly = new double[n];
        double[] specials = {0.0, -0.0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Double.NaN, -512, 512,
            -511.99, 511.99, -745.2, 709.8, Double.MIN_VALUE};
        for (int rep = 0; rep < 200; rep++) { // enough calls for the JIT to compile (and vectorize) prepare
            for (int i = 0; i < n; i++) {
                x[i] = i < specials.length && rep % 10 == 0 ? specials[i]
                        : i % 2 == 0 ? (float) r.nextDouble(-40, 0.001) : r.nextDouble(-745.5, 709.8);
            }
            FastExp.prepare(x, n, shifted, poly);
            for (int i = 0; i < n; i++) {
                double expected = FastExp.exp(x[i]);
                double got = FastExp.finish(x[i], shifted[i], poly[i]);
                int at = i;
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(got),
                        () -> "exp(" + x[at] + "): " + got + " vs " + expected);
            }
        }
    }

    private static int checkAgainstPrevious(double x) {
        double now = FastExp.exp(x);
        double before = PreviousFastExp.exp(x);
        assertTrue(ulps(now, before) <= 1, () -> "exp(" + x + ") = " + now + " vs previously " + before);
        return now == before ? 0 : 1;
    }

    @Test
    void specialValuesAreMathExps() {
        double[] xs = {0.0, -0.0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Double.NaN, -745.2, -745.1,
            -708.5, 709.8, 710, -512, 512, -511.99, 511.99, Double.MIN_VALUE, -Double.MIN_VALUE, 1e-300};
        for (double x : xs) {
            assertTrue(ulps(FastExp.exp(x), Math.exp(x)) <= 1 || Double.isNaN(x), "exp(" + x + ")");
        }
        assertEquals(Double.doubleToLongBits(Math.exp(Double.NaN)), Double.doubleToLongBits(FastExp.exp(Double.NaN)));
        assertEquals(0.0, FastExp.exp(Double.NEGATIVE_INFINITY));
        assertEquals(1.0, FastExp.exp(0.0));
        assertEquals(1.0, FastExp.exp(-0.0));
    }

    /**
     * {@link FastExp#expm1} (the KL k3 metric's e^d − 1 since branch corespeed) against {@link Math#expm1}
     * on every argument the kernel gives it (d = ℓ_tgt − ℓ_inf of two float log-probs, clamped to
     * [−20, 20]), on a dense grid of [−20, 20] and near 0: within {@link #EXPM1_ULPS} ulp of the result (3 seen),
     * and the k3 term e^d − 1 − d within that many ulp of max(|e^d − 1|, |d|) (docs/math.md §10).
     */
    @Test
    void expm1IsWithinItsBoundOfMathExpm1() {
        SplittableRandom random = new SplittableRandom(0xE3);
        long worst = 0;
        for (int i = 0; i < 3_000_000; i++) {
            double d;
            switch (i % 4) {
                case 0:
                    d = LogRatio.clamped((float) (-30 * random.nextDouble()), (float) (-30 * random.nextDouble()));
                    break;
                case 1:
                    d = random.nextDouble(-20, 20);
                    break;
                case 2:
                    d = random.nextDouble(-0.01, 0.01);
                    break;
                default:
                    d = random.nextDouble(-1e-6, 1e-6) * Math.pow(10, -random.nextInt(12));
            }
            worst = Math.max(worst, checkExpm1(d));
        }
        for (double d = -20; d <= 20; d += 0x1p-10) {
            worst = Math.max(worst, checkExpm1(d));
        }
        for (double d : new double[] {0.0, -0.0, 20.0, -20.0, Double.MIN_VALUE, -Double.MIN_VALUE, 0x1p-60, -0x1p-60}) {
            worst = Math.max(worst, checkExpm1(d));
        }
        assertTrue(Double.isNaN(FastExp.expm1(Double.NaN)));
        assertEquals(0L, Double.doubleToRawLongBits(FastExp.expm1(0.0) - 0.0), "k3 of d = 0 is +0");
        System.out.println("FastExpTest: FastExp.expm1 within " + worst + " ulp of Math.expm1 on [-20, 20]");
    }

    /** The bound of {@link #expm1IsWithinItsBoundOfMathExpm1}. */
    static final long EXPM1_ULPS = 4; // 3 seen

    private static long checkExpm1(double d) {
        double fast = FastExp.expm1(d);
        double exact = Math.expm1(d);
        long u = ulps(fast, exact);
        assertTrue(u <= EXPM1_ULPS, () -> "expm1(" + d + ") = " + fast + " vs Math.expm1 " + exact);
        double k3Fast = fast - d;
        double k3 = exact - d;
        double scale = Math.ulp(Math.max(Math.abs(exact), Math.abs(d)));
        assertTrue(Math.abs(k3Fast - k3) <= EXPM1_ULPS * scale, () -> "k3(" + d + ") = " + k3Fast + " vs " + k3);
        return u;
    }
}
