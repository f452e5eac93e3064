package io.github.jackpot4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * docs/config.md's key table is the declaration in {@link JackpotConfig.Key}, row for row: a key
 * added, renamed or given another default there fails here until the doc says the same.
 */
class ConfigDocTableTest {
    @Test
    void theDocumentedTableIsTheDeclaredOne() throws IOException {
        Path doc = Path.of("..", "docs", "config.md");
        List<String> documented = new ArrayList<>();
        for (String line : Files.readAllLines(doc, StandardCharsets.UTF_8)) {
            if (line.matches("\\| `[a-z_]+` \\|.*")) { // the rows of the key table
                documented.add(line);
            }
        }
        List<String> declared = new ArrayList<>();
        for (JackpotConfig.Key k : JackpotConfig.Key.values()) {
            declared.add(k.docRow());
        }
        assertEquals(String.join("\n", declared), String.join("\n", documented),
                "docs/config.md's table must list every key as JackpotConfig.Key declares it");
    }

    @Test
    void everyDeclaredBuilderMethodExistsAndDefaultsRoundTrip() throws Exception {
        for (JackpotConfig.Key k : JackpotConfig.Key.values()) {
            boolean found = false;
            for (java.lang.reflect.Method m : JackpotConfig.Builder.class.getMethods()) {
                found |= m.getName().equals(k.builderMethod) && m.getParameterCount() == 1;
            }
            assertEquals(true, found, "builder method " + k.builderMethod + " of " + k.key);
        }
        assertEquals(JackpotConfig.defaults(), JackpotConfig.fromMap(JackpotConfig.defaults().toMap()));
        assertEquals(JackpotConfig.KEYS, new ArrayList<>(JackpotConfig.defaults().toMap().keySet()));
    }
}
