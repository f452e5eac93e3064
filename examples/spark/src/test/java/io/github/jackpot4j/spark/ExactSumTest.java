package io.github.jackpot4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The double-double sums behind the metrics and the budget solver: independent of the partitioning
 * and close to the exact sum; and the certified comparison never contradicts the core's own
 * left-to-right sum (BudgetSolver.meanAcceptance), which is what makes the distributed λ exact.
 */
class ExactSumTest {
    @Test
    void partitioningDoesNotChangeTheSum() {
        SplittableRandom r = new SplittableRandom(1);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(2000);
            double[] x = new double[n];
            BigDecimal exact = BigDecimal.ZERO;
            for (int i = 0; i < n; i++) {
                x[i] = (r.nextBoolean() ? 1 : -1) * Math.exp(20 * r.nextDouble() - 10);
                exact = exact.add(new BigDecimal(x[i]));
            }
            ExactSum whole = new ExactSum();
            for (double v : x) {
                whole.add(v);
            }
            ExactSum merged = new ExactSum();
            int from = 0;
            while (from < n) { // random parts, merged in reverse order
                int to = Math.min(n, from + 1 + r.nextInt(50));
                ExactSum part = new ExactSum();
                for (int i = to - 1; i >= from; i--) {
                    part.add(x[i]);
                }
                merged = part.merge(merged);
                from = to;
            }
            double e = exact.round(MathContext.DECIMAL64).doubleValue();
            double abs = whole.absSum();
            assertTrue(Math.abs(whole.value() - e) <= 1e-15 * abs + Math.ulp(e), "trial " + trial);
            assertTrue(Math.abs(merged.value() - e) <= 1e-15 * abs + Math.ulp(e), "trial " + trial);
            assertEquals(n, merged.count());
        }
    }

    /** The core's sum of the budget solver: n₊, then every term, left to right. */
    static double naive(long always, double[] terms) {
        double sum = always;
        for (double t : terms) {
            sum += t;
        }
        return sum;
    }

    @Test
    void certifiedComparisonNeverContradictsTheCoresSum() {
        SplittableRandom r = new SplittableRandom(7);
        int decided = 0;
        int unsure = 0;
        for (int trial = 0; trial < 20000; trial++) {
            int n = 1 + r.nextInt(trial % 10 == 0 ? 5000 : 60);
            long always = r.nextInt(3);
            double[] terms = new double[n];
            for (int i = 0; i < n; i++) { // min(1, exp(Δ − log λ)): some exactly 1, some tiny
                double d = r.nextGaussian() * 3;
                terms[i] = Math.min(1.0, Math.exp(d));
            }
            long valid = always + n + r.nextInt(3);
            ExactSum s = new ExactSum();
            for (double t : terms) {
                s.add(t);
            }
            s.add(always);
            double coreMean = naive(always, terms) / valid;
            // targets right at, just below and just above the core's mean, and a few ulps away
            double[] targets = {coreMean, Math.nextDown(coreMean), Math.nextUp(coreMean),
                coreMean * (1 + 1e-12), coreMean * (1 - 1e-12), coreMean * (1 + 1e-6)};
            for (double target : targets) {
                boolean coreAbove = coreMean > target;
                int side = SparkJackpot.decide(s, n, valid, target);
                if (side == SparkJackpot.UNSURE) {
                    unsure++;
                } else {
                    decided++;
                    assertEquals(coreAbove ? SparkJackpot.ABOVE : SparkJackpot.BELOW, side,
                            "trial " + trial + ": n = " + n + ", target " + target + ", core mean " + coreMean);
                }
            }
        }
        assertTrue(decided > 20000, "far targets are decided: " + decided);
        assertNotEquals(0, unsure, "targets within rounding of the core's mean are left to the ordered gather");
    }
}
