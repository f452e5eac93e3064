package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.jackpot4j.core.JackpotBatch;
import io.github.jackpot4j.core.Target;
import io.github.jackpot4j.core.testing.SyntheticRollouts;

import java.util.Arrays;

/**
 * A generated batch ({@link SyntheticRollouts}) held twice: as NDArrays for the adapter and as the
 * float arrays the core reads, with every target-side core input derived from the very arrays the
 * adapter sees (the policy's log-softmax, its top-k as the engine orders it), so the two paths compute
 * on identical numbers. The rollout side is the generator's, as an inference engine would report it.
 */
final class DjlFixture {
    final int b;
    final int t;
    final int v;
    final int k;
    final float[] policyLogits;
    /** The rollout model's logits (an actor to train beside the policy). */
    final float[] rolloutLogits;
    final int[] tokens;
    final float[] mask;
    final float[] advantages;
    final float[] oldLogProbs;
    // rollout side (cached, as an inference engine would report it)
    final float[] rolloutLogProbs;
    final long[] rolloutTopIds;
    final float[] rolloutTopLogProbs;
    // target side, read back from the engine
    float[] logProbs;
    long[] targetTopIds;
    float[] targetTopLogProbs;
    float[] targetAtRollout;

    /** B sequences of T positions over V ids, top-k lists of length k, policy logits {@code mismatch} from q's. */
    DjlFixture(long seed, int b, int t, int v, int k, double mismatch) {
        SyntheticRollouts data = SyntheticRollouts.builder().seed(seed).batchSize(b).length(t).vocabSize(v).topK(k)
                .mismatch(mismatch).build();
        this.b = b;
        this.t = t;
        this.v = v;
        this.k = k;
        policyLogits = data.policyLogits;
        rolloutLogits = data.rolloutLogits;
        tokens = data.tokenIds;
        mask = data.responseMask;
        advantages = data.advantages;
        oldLogProbs = data.oldLogProbs;
        rolloutLogProbs = data.rolloutLogProbs;
        SyntheticRollouts.TopKLists top = data.topK(Target.LATEST);
        rolloutTopIds = Arrays.stream(top.rolloutIds).asLongStream().toArray();
        rolloutTopLogProbs = top.rolloutLogProbs;
    }

    NDArray policyLogits(NDManager m) {
        return m.create(policyLogits, new Shape(b, t, v));
    }

    RolloutBatch.Builder rollout(NDManager m) {
        Shape tok = new Shape(b, t);
        Shape lists = new Shape(b, t, k);
        return RolloutBatch.builder()
                .tokenIds(m.create(tokens, tok)).step(0)
                .oldLogProbs(m.create(oldLogProbs, tok))
                .advantages(m.create(advantages, tok))
                .responseMask(m.create(mask, tok))
                .cachedRollout(m.create(rolloutLogProbs, tok), m.create(rolloutTopIds, lists),
                        m.create(rolloutTopLogProbs, lists));
    }

    /** Reads the target side back from the engine (log-softmax, top-k order), as the adapter computes it. */
    void readTargetFromEngine(NDManager m) {
        try (NDManager s = m.newSubManager()) {
            NDArray logp = policyLogits(s).logSoftmax(-1);
            NDArray ids = s.create(tokens, new Shape(b, t)).toType(DataType.INT64, false);
            logProbs = logp.gather(ids.expandDims(-1), -1).squeeze(-1).toFloatArray();
            NDList top = logp.topK(k, -1);
            targetTopLogProbs = top.get(0).toFloatArray();
            targetTopIds = top.get(1).toLongArray();
            targetAtRollout = logp.gather(s.create(rolloutTopIds, new Shape(b, t, k)), -1).toFloatArray();
        }
    }

    JackpotBatch coreBatch(long sequenceOffset) {
        return JackpotBatch.builder(b, t, k).step(0).vocabSize(v).sequenceOffset(sequenceOffset)
                .responseMask(mask).rolloutLogProbs(rolloutLogProbs).oldLogProbs(oldLogProbs).logProbs(logProbs)
                .advantages(advantages).rolloutTopK(rolloutTopIds, rolloutTopLogProbs)
                .targetTopK(targetTopIds, targetTopLogProbs).targetLogProbsAtRolloutTopK(targetAtRollout)
                .build();
    }
}
