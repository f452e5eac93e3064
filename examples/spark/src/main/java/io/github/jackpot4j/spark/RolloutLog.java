package io.github.jackpot4j.spark;

import java.io.Serializable;
import java.util.Map;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The rollout log's Parquet schema (docs/spark.md, "The rollout log") and the checked reading of one
 * row. One row per sequence: {@code sequence} is the global sequence index b of MATH.md §3 (the key of
 * the rejection draws, with {@code step}), the per-token arrays have {@code length} = T values and the
 * flattened top-k arrays T·k values, token-major ([t·k + j] is entry j of token t's list).
 */
public final class RolloutLog {
    public static final String SEQUENCE = "sequence";
    public static final String STEP = "step";
    public static final String LENGTH = "length";
    public static final String K = "k";
    public static final String RESPONSE_MASK = "response_mask";
    public static final String ROLLOUT_LOG_PROBS = "rollout_log_probs";
    public static final String OLD_LOG_PROBS = "old_log_probs";
    public static final String LOG_PROBS = "log_probs";
    public static final String ADVANTAGES = "advantages";
    public static final String ROLLOUT_TOPK_IDS = "rollout_topk_ids";
    public static final String ROLLOUT_TOPK_LOG_PROBS = "rollout_topk_log_probs";
    public static final String TARGET_TOPK_IDS = "target_topk_ids";
    public static final String TARGET_TOPK_LOG_PROBS = "target_topk_log_probs";
    public static final String TARGET_LOG_PROBS_AT_ROLLOUT_TOPK = "target_log_probs_at_rollout_topk";

    /** Per-token float columns (length T). */
    static final String[] TOKEN_FLOATS = {ROLLOUT_LOG_PROBS, OLD_LOG_PROBS, LOG_PROBS, ADVANTAGES};
    /** Top-k float columns (length T·k). */
    static final String[] LIST_FLOATS = {ROLLOUT_TOPK_LOG_PROBS, TARGET_TOPK_LOG_PROBS, TARGET_LOG_PROBS_AT_ROLLOUT_TOPK};
    /** Top-k id columns (length T·k). */
    static final String[] LIST_IDS = {ROLLOUT_TOPK_IDS, TARGET_TOPK_IDS};

    /** The input schema, in column order. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
        field(SEQUENCE, DataTypes.LongType),
        field(STEP, DataTypes.LongType),
        field(LENGTH, DataTypes.IntegerType),
        field(K, DataTypes.IntegerType),
        field(RESPONSE_MASK, ints()),
        field(ROLLOUT_LOG_PROBS, floats()),
        field(OLD_LOG_PROBS, floats()),
        field(LOG_PROBS, floats()),
        field(ADVANTAGES, floats()),
        field(ROLLOUT_TOPK_IDS, ints()),
        field(ROLLOUT_TOPK_LOG_PROBS, floats()),
        field(TARGET_TOPK_IDS, ints()),
        field(TARGET_TOPK_LOG_PROBS, floats()),
        field(TARGET_LOG_PROBS_AT_ROLLOUT_TOPK, floats()),
    });

    /** The output schema of {@code score}'s {@code tokens.parquet}. */
    public static final StructType OUTPUT_SCHEMA = new StructType(new StructField[] {
        field(SEQUENCE, DataTypes.LongType),
        field(STEP, DataTypes.LongType),
        field(LENGTH, DataTypes.IntegerType),
        field("weights", floats()),
        field("accept_mask", ints()),
        field("loss_contribution", DataTypes.DoubleType),
    });

    private RolloutLog() {
    }

    private static StructField field(String name, DataType type) {
        return DataTypes.createStructField(name, type, false);
    }

    private static DataType floats() {
        return DataTypes.createArrayType(DataTypes.FloatType, false);
    }

    private static DataType ints() {
        return DataTypes.createArrayType(DataTypes.IntegerType, false);
    }

    /**
     * Checks that {@code schema} has every column of {@link #SCHEMA} with its type (nullability and
     * extra columns are ignored), naming the first column that is missing or of another type.
     */
    public static void checkSchema(StructType schema) {
        Map<String, StructField> byName = new java.util.HashMap<>();
        for (StructField f : schema.fields()) {
            byName.put(f.name(), f);
        }
        for (StructField want : SCHEMA.fields()) {
            StructField have = byName.get(want.name());
            if (have == null) {
                throw new RolloutLogException("column '" + want.name() + "' is missing from the rollout log (every row"
                        + " needs it as " + want.dataType().simpleString() + "; the log has columns "
                        + String.join(", ", schema.fieldNames()) + "; schema in docs/spark.md)");
            }
            if (!sameType(have.dataType(), want.dataType())) {
                throw new RolloutLogException("column '" + want.name() + "' has type " + have.dataType().simpleString()
                        + " but the rollout log needs " + want.dataType().simpleString() + " (every row; schema in"
                        + " docs/spark.md)");
            }
        }
    }

    private static boolean sameType(DataType have, DataType want) {
        if (want instanceof ArrayType) {
            return have instanceof ArrayType
                    && ((ArrayType) have).elementType().equals(((ArrayType) want).elementType());
        }
        return have.equals(want);
    }

    /** One checked row of the log (the arrays exactly as stored, T and T·k long). */
    public static final class Sequence implements Serializable {
        private static final long serialVersionUID = 1L;
        public final long sequence;
        public final long step;
        public final int length;
        public final int k;
        public final float[] responseMask;
        public final float[] rolloutLogProbs;
        public final float[] oldLogProbs;
        public final float[] logProbs;
        public final float[] advantages;
        public final int[] rolloutTopkIds;
        public final float[] rolloutTopkLogProbs;
        public final int[] targetTopkIds;
        public final float[] targetTopkLogProbs;
        public final float[] targetLogProbsAtRolloutTopk;

        Sequence(long sequence, long step, int length, int k, float[] responseMask, float[] rolloutLogProbs,
                 float[] oldLogProbs, float[] logProbs, float[] advantages, int[] rolloutTopkIds,
                 float[] rolloutTopkLogProbs, int[] targetTopkIds, float[] targetTopkLogProbs,
                 float[] targetLogProbsAtRolloutTopk) {
            this.sequence = sequence;
            this.step = step;
            this.length = length;
            this.k = k;
            this.responseMask = responseMask;
            this.rolloutLogProbs = rolloutLogProbs;
            this.oldLogProbs = oldLogProbs;
            this.logProbs = logProbs;
            this.advantages = advantages;
            this.rolloutTopkIds = rolloutTopkIds;
            this.rolloutTopkLogProbs = rolloutTopkLogProbs;
            this.targetTopkIds = targetTopkIds;
            this.targetTopkLogProbs = targetTopkLogProbs;
            this.targetLogProbsAtRolloutTopk = targetLogProbsAtRolloutTopk;
        }

        /** "sequence 12 (step 3)": how errors name this row. */
        String where() {
            return "the row of sequence " + sequence + " (step " + step + ")";
        }
    }

    /**
     * Reads the rows of a frame whose columns are exactly those of {@link #SCHEMA} in that order (after
     * {@link #checkSchema}), straight from Spark's internal rows: primitive arrays, no boxing.
     */
    static final class Reader {
        private final boolean[] containsNull = new boolean[SCHEMA.fields().length];

        Reader(StructType schema) {
            StructField[] f = schema.fields();
            for (int i = 0; i < f.length && i < containsNull.length; i++) {
                containsNull[i] = f[i].dataType() instanceof ArrayType && ((ArrayType) f[i].dataType()).containsNull();
            }
        }

        /**
         * The checked row: no nulls, {@code length} ≥ 0 and {@code k} ≥ 1, arrays of T and T·k values,
         * no NaN, response_mask of 0/1. Every error names the column and the row's global sequence.
         */
        Sequence read(InternalRow row) {
            if (row.isNullAt(0)) {
                throw new RolloutLogException("column '" + SEQUENCE + "' is null in a row (every row needs its global"
                        + " sequence index)");
            }
            long sequence = row.getLong(0);
            String where0 = "the row of sequence " + sequence;
            if (sequence < 0) {
                throw new RolloutLogException("column '" + SEQUENCE + "' is " + sequence + " in " + where0
                        + ": global sequence indices are >= 0");
            }
            notNull(row, 1, where0);
            long step = row.getLong(1);
            if (step < 0) {
                throw new RolloutLogException("column '" + STEP + "' is " + step + " in " + where0 + ": steps are >= 0");
            }
            String where = "the row of sequence " + sequence + " (step " + step + ")";
            notNull(row, 2, where);
            notNull(row, 3, where);
            int length = row.getInt(2);
            int k = row.getInt(3);
            if (length < 0) {
                throw new RolloutLogException("column '" + LENGTH + "' is " + length + " in " + where + ": T is >= 0");
            }
            if (k < 1) {
                throw new RolloutLogException("column '" + K + "' is " + k + " in " + where + ": k is >= 1");
            }
            int lists;
            try {
                lists = Math.multiplyExact(length, k);
            } catch (ArithmeticException e) {
                throw new RolloutLogException("length * k overflows in " + where);
            }
            String lenRule = "length = " + length;
            String listRule = "length * k = " + length + " * " + k;
            int[] mask = ints(row, 4, length, lenRule, where);
            float[] maskF = new float[length];
            for (int i = 0; i < length; i++) {
                if (mask[i] != 0 && mask[i] != 1) {
                    throw new RolloutLogException("column '" + RESPONSE_MASK + "' holds " + mask[i] + " at position " + i
                            + " in " + where + ": the mask is 0 or 1");
                }
                maskF[i] = mask[i];
            }
            return new Sequence(sequence, step, length, k, maskF,
                    floats(row, 5, length, lenRule, where, 1),
                    floats(row, 6, length, lenRule, where, 1),
                    floats(row, 7, length, lenRule, where, 1),
                    floats(row, 8, length, lenRule, where, 1),
                    ints(row, 9, lists, listRule, where),
                    floats(row, 10, lists, listRule, where, k),
                    ints(row, 11, lists, listRule, where),
                    floats(row, 12, lists, listRule, where, k),
                    floats(row, 13, lists, listRule, where, k));
        }

        private static void notNull(InternalRow row, int column, String where) {
            if (row.isNullAt(column)) {
                throw new RolloutLogException("column '" + SCHEMA.fields()[column].name() + "' is null in " + where);
            }
        }

        private ArrayData array(InternalRow row, int column, int expected, String rule, String where) {
            notNull(row, column, where);
            ArrayData values = row.getArray(column);
            String name = SCHEMA.fields()[column].name();
            if (values.numElements() != expected) {
                throw new RolloutLogException("column '" + name + "' has " + values.numElements() + " values in "
                        + where + " but " + rule + " needs " + expected + " (ragged array)");
            }
            if (containsNull[column]) {
                for (int j = 0; j < expected; j++) {
                    if (values.isNullAt(j)) {
                        throw new RolloutLogException("column '" + name + "' holds null at index " + j + " in " + where);
                    }
                }
            }
            return values;
        }

        private float[] floats(InternalRow row, int column, int expected, String rule, String where, int k) {
            float[] out = array(row, column, expected, rule, where).toFloatArray();
            for (int j = 0; j < expected; j++) {
                if (Float.isNaN(out[j])) {
                    throw new RolloutLogException("column '" + SCHEMA.fields()[column].name() + "' holds NaN at "
                            + position(j, k) + " in " + where);
                }
            }
            return out;
        }

        private int[] ints(InternalRow row, int column, int expected, String rule, String where) {
            return array(row, column, expected, rule, where).toIntArray();
        }

        private static String position(int j, int k) {
            return k == 1 ? "position " + j : "index " + j + " (token " + (j / k) + ", list entry " + (j % k) + ")";
        }
    }
}
