package io.github.jackpot4j.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every ```java snippet of README.md and docs/*.md compiles, with its own imports, against the real
 * jackpot-core, jackpot-djl, DJL and ND4J (this module has them all). A snippet is compiled as the
 * body of a method; the free names it uses for the reader's own data ({@code B}, {@code mask},
 * {@code trainer}, ...) are declared in {@link #PRELUDE} — values the reader supplies, never library
 * API. Lines starting with {@code import} are the snippet's imports; nothing else is imported for it.
 */
class DocSnippetsTest {
    /** The reader's data the snippets name; types only (a snippet must import every library type it uses). */
    static final String PRELUDE = String.join("\n",
            "int B = 2, T = 3, k = 20, steps = 3, microBatchRows = 1;",
            "long globalStep = 0, step = 0;",
            "float[] mask, rolloutLp, oldLp, newLp, adv, rolloutTopLp, targetTopLp, crossLp;",
            "int[] rolloutIds, targetIds, tokens, inputIds;",
            "float[] oldLogProbs, advantages, rolloutLogProbs, rolloutTopLogProbs;",
            "long[] rolloutTopIds;",
            "ai.djl.training.Trainer trainer;",
            "ai.djl.nn.Block policyBlock;",
            "ai.djl.ndarray.NDArray policyLogits, actorLogits, inputs, logits;",
            "double lambdaDistill;",
            "ai.djl.training.GradientCollector gc;",
            "io.github.jackpot4j.djl.RolloutBatch rollout, rankRollout;",
            "io.github.jackpot4j.core.JackpotBatch batch, rankBatch;",
            "io.github.jackpot4j.core.JackpotBatch[] partsOfTheStep;",
            "java.util.List<MicroBatch> microBatches;",
            "io.github.jackpot4j.core.JackpotConfig config;",
            "java.util.Map<String, Object> actorSection;",
            "org.nd4j.linalg.api.ndarray.INDArray logProbsNd, oldLogProbsNd, rolloutLogProbsNd, advantagesNd, maskNd,",
            "    rolloutIdsNd, rolloutTopLpNd, targetIdsNd, targetTopLpNd, crossLpNd;",
            "interface MicroBatch { ai.djl.ndarray.NDList inputs(); io.github.jackpot4j.djl.RolloutBatch rollout(); }",
            "static void log(Object o) { }",
            "static void allReduceSum(double[] sums) { }",
            "static io.github.jackpot4j.djl.RolloutBatch rolloutOf(ai.djl.ndarray.NDManager m, long step) { return null; }",
            "static ai.djl.ndarray.NDArray inputs(ai.djl.ndarray.NDManager m, long step) { return null; }");

    private static final Pattern SNIPPET = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    record Snippet(String file, int index, String code) {
        String className() {
            return "Snippet_" + file.replaceAll("[^A-Za-z0-9]", "_") + "_" + index;
        }

        String source() {
            StringBuilder imports = new StringBuilder();
            StringBuilder body = new StringBuilder();
            for (String line : code.split("\n")) {
                (line.startsWith("import ") ? imports : body).append(line).append('\n');
            }
            String text = body.toString();
            // a snippet that declares members (a class body) is placed at class level, else in a method
            boolean members = text.startsWith("public ") || text.startsWith("static ");
            return imports + "class " + className() + " {\n" + PRELUDE + "\n"
                    + (members ? text : "void run() throws Exception {\n" + text + "\n}\n") + "}\n";
        }
    }

    static List<Snippet> snippets() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<Snippet> out = new ArrayList<>();
        for (Path f : files) {
            Matcher m = SNIPPET.matcher(Files.readString(f, StandardCharsets.UTF_8));
            int i = 0;
            while (m.find()) {
                out.add(new Snippet(root.relativize(f).toString(), ++i, m.group(1)));
            }
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyJavaSnippetInTheDocsCompiles() throws IOException {
        List<Snippet> all = snippets();
        assertTrue(all.size() >= 10, "found only " + all.size() + " snippets");
        return all.stream().map(s -> DynamicTest.dynamicTest(s.file() + " snippet " + s.index(), () -> compile(s)));
    }

    private static void compile(Snippet s) {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavaFileObject source = new SimpleJavaFileObject(URI.create("string:///" + s.className() + ".java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return s.source();
            }
        };
        List<String> options = List.of("-proc:none", "-d", System.getProperty("java.io.tmpdir") + "/jackpot-snippets",
                "-classpath", System.getProperty("java.class.path"));
        boolean ok = compiler.getTask(null, null, diagnostics, options, null, List.of(source)).call();
        StringBuilder report = new StringBuilder();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                report.append(d.getMessage(Locale.ROOT)).append(" at: ")
                        .append(s.source().split("\n")[(int) Math.max(0, d.getLineNumber() - 1)].trim()).append('\n');
            }
        }
        assertTrue(ok, s.file() + " snippet " + s.index() + " does not compile:\n" + report + "\n" + s.code());
    }
}
