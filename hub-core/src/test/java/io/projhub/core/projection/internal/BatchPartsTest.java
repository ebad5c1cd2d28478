package io.projhub.core.projection.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.PartKeys;
import tools.jackson.databind.node.JsonNodeFactory;

/** The split of a batch into parts written at once: pure logic, no store. */
class BatchPartsTest {

    private final Map<String, Long> versions = new HashMap<>();
    private long position;

    private RecordedEvent event(String stream, String key) {
        position++;
        return new RecordedEvent(position, 100 + position, stream, "thing", versions.merge(stream, 1L, Long::sum),
                "ThingChanged", 1, JsonNodeFactory.instance.objectNode().put("key", key), EventMetadata.EMPTY,
                Instant.parse("2026-12-07T10:00:00Z").plusSeconds(position));
    }

    private static final Function<RecordedEvent, PartKeys> KEY =
            e -> PartKeys.written(Set.of(e.data().get("key").asString()));

    @Test
    void eventsSharingAStreamOrAKeyAreInOnePartAndEachPartKeepsTheBatchOrder() {
        List<RecordedEvent> batch = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            batch.add(event("s" + (i % 10), "k" + (i % 7)));  // streams and keys chain groups together
        }
        for (int i = 0; i < 30; i++) {
            batch.add(event("alone-" + i, "own-" + i));
        }

        List<List<RecordedEvent>> parts = BatchParts.split(batch, KEY, 3);

        assertThat(parts).hasSizeBetween(2, 3).allSatisfy(part -> assertThat(part).isNotEmpty());
        assertThat(parts.stream().mapToInt(List::size).sum()).isEqualTo(batch.size());
        Map<String, Integer> partOfStream = new HashMap<>();
        Map<String, Integer> partOfKey = new HashMap<>();
        for (int p = 0; p < parts.size(); p++) {
            List<RecordedEvent> part = parts.get(p);
            for (int i = 0; i < part.size(); i++) {
                RecordedEvent e = part.get(i);
                assertThat(partOfStream.merge(e.streamId(), p, (a, b) -> a.equals(b) ? a : -1)).isEqualTo(p);
                assertThat(partOfKey.merge(e.data().get("key").asString(), p, (a, b) -> a.equals(b) ? a : -1))
                        .isEqualTo(p);
                if (i > 0) {
                    assertThat(e.position()).isGreaterThan(part.get(i - 1).position());
                }
            }
        }
        // the 40 chained events form one group: 70 events cannot be split more evenly than 40 against 30
        assertThat(parts.stream().mapToInt(List::size).max().orElseThrow()).isEqualTo(40);
    }

    @Test
    void independentStreamsAreDealtEvenly() {
        List<RecordedEvent> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            batch.add(event("s" + (i % 20), "k" + (i % 20)));
        }
        List<List<RecordedEvent>> parts = BatchParts.split(batch, KEY, 4);
        assertThat(parts).hasSize(4).allSatisfy(part -> assertThat(part).hasSize(25));
    }

    @Test
    void aBatchIsNotSplitWhenAnEventsKeysAreUnknownOrEverythingIsOneGroup() {
        List<RecordedEvent> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(event("s" + i, "shared"));
        }
        assertThat(BatchParts.split(batch, KEY, 4)).as("one key joins every stream").isEmpty();
        assertThat(BatchParts.split(batch, e -> e.streamId().equals("s5") ? null : PartKeys.NONE, 4))
                .as("keys unknown for one event").isEmpty();
        assertThat(BatchParts.split(batch, e -> {
            throw new IllegalStateException("cannot tell");
        }, 4)).isEmpty();
        assertThat(BatchParts.split(batch, e -> PartKeys.NONE, 1)).isEmpty();
        assertThat(BatchParts.split(batch, e -> PartKeys.NONE, 4)).hasSize(4);
    }

    @Test
    void aLockedKeyJoinsItsEventsOnlyWhenFewEventsNameIt() {
        List<RecordedEvent> batch = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            // customers: 3 orders each; one product in every order
            batch.add(event("order-" + i, "customer-" + (i / 3)));
        }
        List<List<RecordedEvent>> parts = BatchParts.split(batch,
                e -> new PartKeys(Set.of(), Set.of(e.data().get("key").asString(), "product")), 2);

        assertThat(parts).hasSize(2).allSatisfy(part -> assertThat(part).hasSize(30));
        for (List<RecordedEvent> part : parts) {
            for (RecordedEvent e : part) {
                String customer = e.data().get("key").asString();
                assertThat(part).as("the orders of %s", customer)
                        .filteredOn(o -> o.data().get("key").asString().equals(customer)).hasSize(3);
            }
        }
    }
}
