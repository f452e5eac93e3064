package io.github.jackpot4j.spark;

/** A rollout log that does not follow the schema of docs/spark.md; the message names the column and the row. */
public final class RolloutLogException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public RolloutLogException(String message) {
        super(message);
    }

    public RolloutLogException(String message, Throwable cause) {
        super(message, cause);
    }
}
