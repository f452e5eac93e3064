package io.github.jackpot4j.bench;

import io.github.jackpot4j.djl.JackpotDjl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.jackpot4j.core.Jackpot;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.JackpotConfig;
import io.github.jackpot4j.core.RejectionUniforms;
import io.github.jackpot4j.core.testing.SyntheticRollouts;

import org.junit.jupiter.api.Test;

/** The comparison points compute the core's loss on the same data, or the benchmark means nothing. */
class OpByOpAgreementTest {
    @Test
    void nd4jAndDjlOpByOpGiveTheCoresLoss() {
        for (int k : new int[] {5, 20}) {
            SyntheticRollouts data = SyntheticRollouts.atScale(2048, k, 7L);
            JackpotBatch batch = data.batch();
            JackpotConfig config = JackpotConfig.builder().topK(k).build();
            double core = Jackpot.compute(config, batch).loss();
            float[] u = RejectionUniforms.fill(config.seed(), 0, 0, batch.batchSize(), batch.length(), new float[2048]);
            double nd4j = new Nd4jOpByOp(data, u).loss(config);
            double djl;
            double djlTrusted;
            try (DjlOpByOp d = new DjlOpByOp(data, u)) {
                djl = d.loss(config);
                djlTrusted = d.loss(config, JackpotDjl.Options.defaults().validateInputs(false).metrics(false));
            }
            // float32 engines against the core's double arithmetic: 1e-5 relative
            assertEquals(core, nd4j, 1e-5 * Math.abs(core), "nd4j, k = " + k);
            assertEquals(core, djl, 1e-5 * Math.abs(core), "djl, k = " + k);
            assertEquals(djl, djlTrusted, 0.0, "djl trusted path, k = " + k); // same ops, fewer checks
        }
    }
}
