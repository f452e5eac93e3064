package io.github.jackpot4j.examples.demo;

import java.util.SplittableRandom;

/**
 * The demo's task, generated on the fly: the prompt is {@value #LENGTH} random digits, the answer is
 * the same digits in reverse order, one digit per response token. The reward a program can check is
 * the fraction of response positions that are right (dense enough for a tiny model to learn from in
 * minutes).
 */
public final class ReverseTask {
    /** Digits per prompt and tokens per response (T). */
    public static final int LENGTH = 4;
    /** Vocabulary of the response: the ten digits. */
    public static final int VOCAB = 10;

    private ReverseTask() {
    }

    /** {@code count} prompts of {@link #LENGTH} digits. */
    public static int[][] prompts(int count, SplittableRandom rng) {
        int[][] p = new int[count][LENGTH];
        for (int[] row : p) {
            for (int i = 0; i < LENGTH; i++) {
                row[i] = rng.nextInt(VOCAB);
            }
        }
        return p;
    }

    /** The fraction of positions i where {@code response[i] == prompt[L-1-i]}. */
    public static double reward(int[] prompt, int[] response) {
        if (prompt.length != LENGTH || response.length != LENGTH) {
            throw new IllegalArgumentException("prompt and response must have " + LENGTH + " tokens");
        }
        int right = 0;
        for (int i = 0; i < LENGTH; i++) {
            if (response[i] == prompt[LENGTH - 1 - i]) {
                right++;
            }
        }
        return (double) right / LENGTH;
    }
}
