package io.github.jackpot4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import io.github.jackpot4j.core.ResidualCorrection;

/**
 * The residual correction F of MATH.md §6 ({@code rollout_is}, {@code rollout_is_threshold}) applied
 * element-wise, as the core's {@link ResidualCorrection}: TRUNCATE min(x, C), ICEPOP x on [LO, HI]
 * and 0 outside, or 1.
 */
final class DjlResidualCorrection {
    private DjlResidualCorrection() {
    }

    /** F(x). */
    static NDArray apply(ResidualCorrection f, NDArray x) {
        switch (f.kind()) {
            case TRUNCATE:
                return x.minimum((float) f.high());
            case ICEPOP:
                NDArray inside = x.gte((float) f.low()).logicalAnd(x.lte((float) f.high()));
                return NDArrays.where(inside, x, x.zerosLike());
            default:
                return x.onesLike();
        }
    }

    /** 1 where F changed x (truncated or zeroed), as float: {@code jackpot/residual_clip_frac} of §10. */
    static NDArray clipped(ResidualCorrection f, NDArray x) {
        switch (f.kind()) {
            case TRUNCATE:
                return x.gt((float) f.high()).toType(DataType.FLOAT32, false);
            case ICEPOP:
                return x.lt((float) f.low()).logicalOr(x.gt((float) f.high())).toType(DataType.FLOAT32, false);
            default:
                return x.zerosLike();
        }
    }
}
