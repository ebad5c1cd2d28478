package io.projhub.definitions;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.PartKeys;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an event names for a lane that writes a batch in parts ({@link ReadModelProgram#partKeys}): every document
 * whose fold could see another stream's change, every set whose result depends on the order of its changes.
 */
class PartKeysTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static ReadModelProgram program(String yaml) throws Exception {
        return new DefinitionLoader().load(Map.of("test.yaml", yaml)).get(0);
    }

    private static RecordedEvent event(String stream, String type, String data) {
        return new RecordedEvent(1, 1, stream, "thing", 1, type, 1, JSON.readTree(data), EventMetadata.EMPTY,
                Instant.parse("2026-12-07T10:00:00Z"));
    }

    @Test
    void aProgramThatReadsDocNamesTheDocumentItsFoldReadsEvenWhenItOnlyCounts() throws Exception {
        ReadModelProgram program = program("""
                name: tiers
                store: redis
                version: 1
                target: {keyPrefix: tiers}
                key: data.customerId
                fields: {tier: keyword}
                on:
                  OrderPlaced:
                    - counter: {name: "'revenue:' + doc.tier", by: 1}
                  CustomerUpgraded:
                    - set: {tier: data.tier}
                """);
        assertThat(program.partKeys(event("order-1", "OrderPlaced", "{\"customerId\": \"c-1\"}")))
                .isEqualTo(PartKeys.written(Set.of("c-1")));
        assertThat(program.partKeys(event("customer-c-1", "CustomerUpgraded",
                "{\"customerId\": \"c-1\", \"tier\": \"gold\"}")))
                .isEqualTo(PartKeys.written(Set.of("c-1")));
    }

    @Test
    void aBoundedSortedSetIsOneKeyAndAnUnboundedOneAKeyPerMember() throws Exception {
        ReadModelProgram program = program("""
                name: boards
                store: redis
                version: 1
                target: {keyPrefix: boards}
                fields: {n: long}
                on:
                  Scored:
                    - sortedSet: {name: "'latest'", member: streamId, score: "1.0", keep: 10}
                    - sortedSet: {name: "'all'", member: streamId, score: "1.0"}
                    - sortedSet: {name: "'totals'", member: "'x'", score: "1.0", increment: true}
                """);
        PartKeys keys = program.partKeys(event("s-1", "Scored", "{}"));
        assertThat(keys.written()).containsExactlyInAnyOrder("zset:latest", "zset:all:s-1", "zset:totals");
        assertThat(keys.locked()).isEmpty();
    }

    @Test
    void aLinkToADocumentNodeOfAnyOfTheLabelsIsWrittenAndAPlaceholderOnlyLocked() throws Exception {
        ReadModelProgram program = program("""
                name: people
                store: neo4j
                version: 1
                target: {labels: [Person, Employee]}
                fields: {name: text}
                on:
                  Hired:
                    - set: {name: data.name}
                    - relationship: {type: REPORTS_TO, to: {label: Employee, key: data.manager}}
                    - relationship: {type: WORKS_AT, to: {label: Company, key: data.company}}
                    - relationship: {type: LIVES_IN, to: {label: City, key: data.city, set: {name: data.city}}}
                """);
        PartKeys keys = program.partKeys(event("p-1", "Hired",
                "{\"name\": \"Ada\", \"manager\": \"p-2\", \"company\": \"acme\", \"city\": \"Paris\"}"));
        assertThat(keys.written()).containsExactlyInAnyOrder("p-1", "p-2", "Paris");
        assertThat(keys.locked()).containsExactly("acme");
    }

    @Test
    void anEventWhoseKeyFailsNamesNothingAndAnUnhandledTypeNothing() throws Exception {
        ReadModelProgram program = program("""
                name: keyed
                store: elasticsearch
                version: 1
                target: {index: keyed}
                key: data.id
                fields: {n: long}
                on:
                  Counted:
                    - set: {n: data.n}
                """);
        assertThat(program.partKeys(event("s-1", "Counted", "{\"n\": 1}"))).isEqualTo(PartKeys.NONE);
        assertThat(program.partKeys(event("s-1", "Other", "{}"))).isEqualTo(PartKeys.NONE);
        assertThat(program.partKeys(event("s-1", "Counted", "{\"id\": \"k-9\", \"n\": 1}")))
                .isEqualTo(PartKeys.written(Set.of("k-9")));
    }
}
