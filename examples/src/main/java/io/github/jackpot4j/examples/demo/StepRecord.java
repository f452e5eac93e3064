package io.github.jackpot4j.examples.demo;

import java.io.IOException;
import java.io.Writer;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** One training step of a run: a CSV row, whose header and cells {@link #writeCsv} derives from this declaration. */
record StepRecord(@Column("step") int step, @Column("policy_reward") double reward,
                  @Column("rollout_reward") double rolloutReward, @Column("kl_policy_actor") double klPolicyActor,
                  @Column("kl_actor_policy") double klActorPolicy, @Column("acceptance") double acceptance,
                  @Column("kappa") double kappa, @Column("weight_mean") double weightMean,
                  @Column("weight_max") double weightMax, @Column("pg_clipfrac") double clipFraction,
                  @Column("policy_loss") double policyLoss, @Column("actor_loss") double actorLoss,
                  @Column("distill_loss") double distillLoss, @Column("lambda_distill") double lambdaDistill,
                  @Column("obrs_clip_frac") double obrsClipFraction,
                  @Column("residual_clip_frac") double residualClipFraction) {

    /** The CSV column of a component: the one place a column's name is written. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    @interface Column {
        String value();
    }

    /** The CSV of a run: the header and every cell follow the components and their {@link Column}s. */
    static void writeCsv(Path file, List<StepRecord> records) throws IOException {
        RecordComponent[] columns = StepRecord.class.getRecordComponents();
        StringBuilder header = new StringBuilder();
        for (RecordComponent c : columns) {
            header.append(header.length() == 0 ? "" : ",").append(c.getAnnotation(Column.class).value());
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(header.append('\n').toString());
            StringBuilder row = new StringBuilder();
            for (StepRecord r : records) {
                row.setLength(0);
                for (RecordComponent c : columns) {
                    Object v;
                    try {
                        v = c.getAccessor().invoke(r);
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException(e);
                    }
                    row.append(row.length() == 0 ? "" : ",").append(v instanceof Double
                            ? String.format(Locale.ROOT, "%.6f", (Double) v) : v.toString());
                }
                w.write(row.append(String.format("%n")).toString());
            }
        }
    }

    /** Mean reward of the last fifth of a run. */
    static double finalReward(List<StepRecord> records) {
        int from = records.size() - Math.max(1, records.size() / 5);
        double s = 0;
        for (int i = from; i < records.size(); i++) {
            s += records.get(i).reward();
        }
        return s / (records.size() - from);
    }
}
