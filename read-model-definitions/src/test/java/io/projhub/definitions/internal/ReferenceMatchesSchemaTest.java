package io.projhub.definitions.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.projhub.definitions.DefinitionLoader;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** docs/read-models.md documents every key of the JSON Schema, and documents no key the schema does not have. */
class ReferenceMatchesSchemaTest {

    private static final Pattern TABLE_KEY = Pattern.compile("^\\| `([A-Za-z][A-Za-z0-9]*)` \\|", Pattern.MULTILINE);

    @Test
    void theReferenceAndTheSchemaNameTheSameKeys() throws Exception {
        JsonNode schema = JsonMapper.builder().build().readTree(DefinitionLoader.schema());
        Set<String> properties = new TreeSet<>();
        Set<String> enumValues = new HashSet<>();
        collect(schema, properties, enumValues);

        String reference = Files.readString(Path.of("..", "docs", "read-models.md"));
        Set<String> documented = new TreeSet<>();
        Matcher m = TABLE_KEY.matcher(reference);
        while (m.find()) {
            documented.add(m.group(1));
        }

        assertThat(documented).as("every key of the schema has a row in docs/read-models.md")
                .containsAll(properties);
        Set<String> known = new HashSet<>(properties);
        known.addAll(enumValues);
        known.addAll(CelEnvironment.VARIABLES);
        known.add(CelEnvironment.ITEM);
        known.add(CelEnvironment.INDEX);
        assertThat(known).as("every key documented is a key (or value, or variable) of the format")
                .containsAll(documented);
    }

    private static void collect(JsonNode node, Set<String> properties, Set<String> enumValues) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                if (entry.getKey().equals("properties") && entry.getValue().isObject()) {
                    entry.getValue().propertyNames().stream().filter(n -> !n.startsWith("$")).forEach(properties::add);
                }
                if (entry.getKey().equals("enum")) {
                    entry.getValue().values().forEach(v -> enumValues.add(v.asString()));
                }
                collect(entry.getValue(), properties, enumValues);
            }
        } else if (node.isArray()) {
            node.values().forEach(v -> collect(v, properties, enumValues));
        }
    }
}
