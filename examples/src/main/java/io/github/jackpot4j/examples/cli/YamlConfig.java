package io.github.jackpot4j.examples.cli;

import io.github.jackpot4j.core.JackpotConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * {@code --config FILE.yaml}: the Jackpot keys of a verl YAML file (MATH.md §11 names), read with a
 * YAML 1.2 parser so that an unquoted {@code rollout_is_threshold: 0.5_5} stays the string "0.5_5"
 * (YAML 1.1 parsers read it as the float 0.55). The section is {@code --config-section} (dotted,
 * e.g. {@code actor_rollout_ref.actor}); by default the first of the top level,
 * {@code actor_rollout_ref.actor} and {@code actor} that holds a Jackpot key. Other keys of the
 * section (verl's own) are ignored and counted.
 */
final class YamlConfig {
    private YamlConfig() {
    }

    /** The section's Jackpot keys, as {@code fromMap} takes them; {@code ignored} receives the other keys. */
    static Map<String, Object> read(Path file, String sectionPath, List<String> ignored) throws IOException {
        Object doc;
        try (InputStream in = Files.newInputStream(file)) {
            doc = new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromInputStream(in);
        } catch (YamlEngineException e) {
            throw new IOException(file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        Map<String, Object> section;
        if (sectionPath != null) {
            section = at(doc, sectionPath);
            if (section == null) {
                throw new IOException(file + ": no mapping at --config-section " + sectionPath);
            }
        } else {
            section = null;
            for (String candidate : new String[] {"", "actor_rollout_ref.actor", "actor"}) {
                Map<String, Object> m = at(doc, candidate);
                if (m != null && m.keySet().stream().anyMatch(JackpotConfig.KEYS::contains)) {
                    section = m;
                    break;
                }
            }
            if (section == null) {
                throw new IOException(file + ": no Jackpot key (" + JackpotConfig.KEYS.get(2) + ", ...) at the top level,"
                        + " in actor_rollout_ref.actor or in actor; name the section with --config-section");
            }
        }
        List<String> others = new ArrayList<>();
        JackpotConfig parsed = JackpotConfig.fromSection(section, others::add);
        ignored.addAll(others);
        Map<String, Object> given = new LinkedHashMap<>();
        for (String key : section.keySet()) {
            if (JackpotConfig.KEYS.contains(key)) {
                given.put(key, parsed.toMap().get(key)); // validated and in canonical form
            }
        }
        return given;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> at(Object doc, String path) {
        Object node = doc;
        if (!path.isEmpty()) {
            for (String part : path.split("\\.")) {
                if (!(node instanceof Map) || !((Map<String, Object>) node).containsKey(part)) {
                    return null;
                }
                node = ((Map<String, Object>) node).get(part);
            }
        }
        return node instanceof Map ? (Map<String, Object>) node : null;
    }
}
