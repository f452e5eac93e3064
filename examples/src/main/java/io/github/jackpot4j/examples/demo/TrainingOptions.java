package io.github.jackpot4j.examples.demo;

import io.github.jackpot4j.examples.cli.Values;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * How one run trains: the demo's options, and the settings the sweep gives each of its runs (a new
 * instance holds the defaults).
 */
final class TrainingOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--scenario", paramLabel = "mismatch|stale", order = 0, description = {
        "'mismatch' (default): every rollout comes from a smaller actor model; 'stale': one large batch of the"
            + " policy's rollouts reused over --staleness small steps (--steps then counts rollout batches)"})
    String scenario = "mismatch";

    @Option(names = "--lambda-distill", paramLabel = "X", converter = Values.NonNegative.class, order = 20,
            description = "fixed distillation weight (default ${DEFAULT-VALUE})")
    double lambdaDistill = 0.5;

    @Option(names = "--distill-controller", order = 21, description = "adapt lambda_distill toward KL(actor||policy) = "
            + Training.CONTROLLER_TARGET_KL + " (core DistillationController), starting at --lambda-distill")
    boolean controller;

    @Option(names = "--prompts", paramLabel = "P", converter = Values.Positive.class, order = 22,
            description = "prompts per batch (default ${DEFAULT-VALUE})")
    int prompts = 16;

    @Option(names = "--group", paramLabel = "G", converter = Values.Positive.class, order = 23,
            description = "samples per prompt, >= 2 (default ${DEFAULT-VALUE})")
    int group = 4;

    @Option(names = "--lr", paramLabel = "X", converter = Values.NonNegative.class, order = 24,
            description = "policy learning rate (default ${DEFAULT-VALUE})")
    double lr = 0.003;

    @Option(names = "--staleness", paramLabel = "S", converter = Values.Positive.class, order = 25,
            description = "stale scenario: steps per rollout batch (default ${DEFAULT-VALUE})")
    int staleness = 8;

    @Option(names = "--epochs", paramLabel = "E", converter = Values.Positive.class, order = 26,
            description = "mismatch scenario: updates per rollout batch (default ${DEFAULT-VALUE})")
    int epochs = 2;

    @Option(names = "--jackpot-lambda", paramLabel = "X", converter = Values.PositiveNumber.class, order = 27,
            description = "the OBRS budget lambda of the jackpot methods (default ${DEFAULT-VALUE})")
    double jackpotLambda = 1.0;

    @Option(names = "--actor-hidden", paramLabel = "H", converter = Values.Positive.class, order = 28,
            description = "hidden units of the actor's single layer (default ${DEFAULT-VALUE}): the actor-policy gap")
    int actorHidden = 12;

    @Option(names = "--policy-hidden", paramLabel = "H", converter = Values.Positive.class, order = 29,
            description = "hidden units of each of the policy's two layers (default ${DEFAULT-VALUE})")
    int policyHidden = 64;

    @Option(names = "--warmup-actor", paramLabel = "N", converter = Values.Count.class, order = 30,
            description = "supervised warm-up steps of the actor (default ${DEFAULT-VALUE})")
    long warmupActor = 60;

    @Option(names = "--warmup-policy", paramLabel = "N", converter = Values.Count.class, order = 31,
            description = "supervised warm-up steps of the policy (default ${DEFAULT-VALUE})")
    long warmupPolicy = 15;

    @Option(names = "--actor-temperature", paramLabel = "T", converter = Values.PositiveNumber.class, order = 32,
            description = {"the actor samples from softmax(logits / T) and reports those log-probs, as an inference"
                + " engine at temperature T would; its own training stays at T = 1 (default ${DEFAULT-VALUE}; the"
                + " knob of 'jackpot sweep')"})
    double actorTemperature = 1.0;

    @Option(names = "--joint-baselines", order = 33, description = {"off-policy, tis and no-clip also train the actor"
        + " with the joint objective (actor PPO + lambda_distill * distillation), as jackpot does; default: frozen actor"})
    boolean jointBaselines;

    @Option(names = "--no-progress", order = 40, description = "no progress bar")
    boolean noProgress;

    /** Test hook: System.gc() before every backward pass and between steps (TinyLm.pressure). */
    @Option(names = "--gc-pressure", hidden = true)
    boolean gcPressure;

    /** No actor-rollout method trains the actor, jackpot included (set by 'jackpot sweep --frozen-actor'). */
    boolean frozenActor;

    boolean stale() {
        return scenario.equals("stale");
    }

    /** The rules between options, as usage errors. */
    void check() {
        if (!scenario.equals("mismatch") && !scenario.equals("stale")) {
            throw usage("--scenario '" + scenario + "' is not mismatch or stale");
        }
        if (controller && (lambdaDistill < Training.CONTROLLER_MIN || lambdaDistill > Training.CONTROLLER_MAX)) {
            throw usage("--lambda-distill = " + lambdaDistill + " is the controller's starting weight with"
                    + " --distill-controller and must lie in [" + Training.CONTROLLER_MIN + ", "
                    + Training.CONTROLLER_MAX + "]");
        }
        if (actorTemperature != 1.0 && stale()) {
            throw usage("--actor-temperature applies to the mismatch scenario only");
        }
        if (group < 2) {
            throw usage("--group must be >= 2 (GRPO compares samples of one prompt)");
        }
    }

    ParameterException usage(String message) {
        return new ParameterException(command.commandLine(), message);
    }
}
