package io.projhub.definitions.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.definitions.DefinitionLoader;
import io.projhub.definitions.ReadModelProgram;
import tools.jackson.databind.json.JsonMapper;

/**
 * The content audit's pure logic: a stream folded from nothing through a definition (documents, counter shares,
 * sorted-set members), and a stored document compared with it whatever form each store gives the values.
 */
class StreamFoldAndComparisonTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String ACCOUNTS = """
            name: balances
            store: redis
            version: 1
            target: {keyPrefix: balances}
            fields:
              balance: {type: decimal, scale: 2}
              moves: long
              tags: {type: set, of: keyword}
              openedAt: timestamp
            on:
              Opened:
                - set: {balance: data.amount, moves: 0, openedAt: data.at}
                - counter: {name: "'total-' + data.currency", by: data.amount, scale: 2}
                - sortedSet: {name: "'by-balance'", member: streamId, score: 1}
              Deposited:
                - increment: {balance: data.amount, moves: 1}
                  add: {tags: data.tag}
                - counter: {name: "'total-' + data.currency", by: data.amount, scale: 2}
            """;

    private static ReadModelProgram program(String yaml) throws Exception {
        return new DefinitionLoader().load(Map.of("test.yaml", yaml)).get(0);
    }

    private static RecordedEvent event(String stream, long version, String type, String data) {
        return new RecordedEvent(version, version, stream, "thing", version, type, 1, JSON.readTree(data),
                EventMetadata.EMPTY, Instant.parse("2026-12-07T10:00:00Z"));
    }

    private static List<RecordedEvent> account(String stream) {
        return List.of(
                event(stream, 1, "Opened", "{\"amount\": \"10.50\", \"currency\": \"EUR\", "
                        + "\"at\": \"2026-12-07T10:00:00.123456789Z\"}"),
                event(stream, 2, "Deposited", "{\"amount\": \"2.25\", \"currency\": \"EUR\", \"tag\": \"salary\"}"),
                event(stream, 3, "Deposited", "{\"amount\": \"1.00\", \"currency\": \"EUR\", \"tag\": \"gift\"}"));
    }

    @Test
    void aStreamFoldedFromNothingGivesItsDocumentItsCounterSharesAndItsMembers() throws Exception {
        StreamFold fold = StreamFold.of(program(ACCOUNTS), account("acc-1"));

        assertThat(fold.documents()).containsOnlyKeys("acc-1");
        assertThat(fold.documents().get("acc-1")).containsEntry("balance", new BigDecimal("13.75"))
                .containsEntry("moves", 2L);
        assertThat(fold.counters().get("total-EUR").total()).isEqualByComparingTo("13.75");
        assertThat(fold.counters().get("total-EUR").scale()).isEqualTo(2);
        assertThat(fold.sortedSets()).containsEntry("by-balance", java.util.Set.of("acc-1"));
        assertThat(fold.members().get("by-balance").get("acc-1"))
                .isEqualTo(new StreamFold.Member(true, 1.0, false, false));
        assertThat(fold.deleted()).isEmpty();
    }

    @Test
    void aStoredDocumentMatchesWhateverFormItsStoreGaveTheValues() throws Exception {
        ReadModelProgram program = program(ACCOUNTS);
        Map<String, Object> expected = StreamFold.of(program, account("acc-1")).documents().get("acc-1");

        // As a store may answer: decimals as numbers or strings with more zeros, the timestamp rounded to the
        // microsecond as PostgreSQL keeps it, the set in another order.
        Map<String, Object> stored = Map.of("balance", "13.7500", "moves", 2, "tags", List.of("gift", "salary"),
                "openedAt", "2026-12-07T10:00:00.123457Z", "key", "acc-1");
        assertThat(DocumentComparison.compare(program.definition(), expected, stored)).isEmpty();

        Map<String, Object> edited = Map.of("balance", new BigDecimal("99.00"), "moves", 2L,
                "tags", List.of("salary"), "openedAt", "2026-12-07T10:00:00.123457Z");
        assertThat(DocumentComparison.compare(program.definition(), expected, edited))
                .extracting(DocumentComparison.FieldDifference::field).containsExactly("balance", "tags");
        assertThat(DocumentComparison.compare(program.definition(), expected, Map.of()))
                .extracting(DocumentComparison.FieldDifference::field)
                .containsExactly("balance", "moves", "tags", "openedAt");
    }

    @Test
    void aRewriteIsRefusedForAStreamThatChangesDocumentsUnderOtherKeys() throws Exception {
        ReadModelProgram byOwner = program("""
                name: owners
                store: postgres
                version: 1
                target: {table: owners}
                key: data.owner
                fields: {accounts: long}
                on:
                  Opened:
                    - increment: {accounts: 1}
                """);
        List<RecordedEvent> events = List.of(event("acc-9", 1, "Opened", "{\"owner\": \"ada\"}"));

        assertThatThrownBy(() -> Rewrites.foldOwn(byOwner, "acc-9", events))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("ada")
                .hasMessageContaining("rebuild read model owners");
        assertThat(Rewrites.foldOwn(program(ACCOUNTS), "acc-1", account("acc-1")).documents()).containsOnlyKeys("acc-1");
    }
}
