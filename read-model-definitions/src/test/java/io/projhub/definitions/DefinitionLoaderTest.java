package io.projhub.definitions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.domain.account.MoneyDeposited;
import io.projhub.core.domain.account.MoneyWithdrawn;
import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.CounterChange;
import io.projhub.definitions.changes.DocumentChange;
import io.projhub.definitions.changes.FieldOp;
import io.projhub.definitions.changes.PointChange;
import io.projhub.definitions.changes.RelationshipChange;
import io.projhub.definitions.changes.RowChange;
import io.projhub.definitions.changes.SortedSetChange;

class DefinitionLoaderTest {

    private static final Path SHIPPED = Path.of("..", "read-models");
    private final DefinitionLoader loader = new DefinitionLoader();
    private final EventTypeRegistry registry = DomainEventTypes.registry();

    private RecordedEvent event(long version, Object domainEvent) {
        NewEvent event = registry.toNewEvent(domainEvent, EventMetadata.of("corr-1", null, null));
        return new RecordedEvent(100 + version, 7, "account-1", "account", version, event.type(), 1, event.data(),
                EventMetadata.of("corr-1", null, null), Instant.parse("2026-12-07T10:00:00Z"));
    }

    private ReadModelProgram shipped(String name) throws Exception {
        return loader.loadDirectory(SHIPPED).stream().filter(p -> p.definition().name().equals(name)).findFirst()
                .orElseThrow();
    }

    @Test
    void theShippedDefinitionsLoadWithTheirStoresAndEventTypes() throws Exception {
        List<ReadModelProgram> programs = loader.loadDirectory(SHIPPED);
        assertThat(programs).extracting(p -> p.definition().name())
                .contains("account-search", "account-balances", "account-graph", "money-flow", "account-ledger");
        assertThat(programs).allSatisfy(p -> {
            assertThat(p.hash()).hasSize(32);
            assertThat(p.definition().source()).endsWith(".yaml");
        });
        assertThat(shipped("account-search").eventTypes())
                .containsExactlyInAnyOrder("AccountCreated", "MoneyDeposited", "MoneyWithdrawn");
        assertThat(shipped("account-ledger").definition().target().tables()).containsKey("account_movements");
    }

    @Test
    void anElasticsearchDefinitionGivesExactDecimalsTypedValuesAndIncrements() throws Exception {
        ReadModelProgram program = shipped("account-search");
        List<Change> created = program.changes(event(1, new AccountCreated("account-1", new BigDecimal("100.10"),
                "EUR", Instant.parse("2026-12-01T09:00:00Z"))));
        assertThat(created).singleElement().isInstanceOfSatisfying(DocumentChange.class, doc -> {
            assertThat(doc.key()).isEqualTo("account-1");
            assertThat(doc.ops()).contains(new FieldOp.Set("balance", new BigDecimal("100.10")),
                    new FieldOp.Set("deposited", new BigDecimal("0.00")), new FieldOp.Set("deposits", 0L),
                    new FieldOp.Set("openedAt", Instant.parse("2026-12-01T09:00:00Z")),
                    new FieldOp.Set("currency", "EUR"));
        });
        List<Change> deposited = program.changes(event(2, new MoneyDeposited("account-1", new BigDecimal("0.20"),
                "EUR", "salary", new BigDecimal("100.30"), Instant.parse("2026-12-02T09:00:00Z"))));
        DocumentChange doc = (DocumentChange) deposited.get(0);
        assertThat(doc.ops()).containsExactly(new FieldOp.Set("balance", new BigDecimal("100.30")),
                new FieldOp.Set("lastChangedAt", Instant.parse("2026-12-02T09:00:00Z")),
                new FieldOp.Increment("deposited", new BigDecimal("0.20")), new FieldOp.Increment("deposits", 1L),
                new FieldOp.AddToSet("sources", "salary"));
    }

    @Test
    void redisNeo4jInfluxAndPostgresDefinitionsGiveTheirStoresChanges() throws Exception {
        MoneyWithdrawn withdrawn = new MoneyWithdrawn("account-1", new BigDecimal("12.50"), "EUR", "rent",
                new BigDecimal("87.60"), Instant.parse("2026-12-03T09:00:00Z"));
        List<Change> redis = shipped("account-balances").changes(event(3, withdrawn));
        assertThat(redis).contains(new DocumentChange("account-1", List.of(
                        new FieldOp.Increment("balance", new BigDecimal("-12.50")),
                        new FieldOp.Increment("withdrawals", 1L))),
                new CounterChange("withdrawn-EUR", new BigDecimal("12.50"), 2),
                new CounterChange("balance-EUR", new BigDecimal("-12.50"), 2),
                new SortedSetChange("by-balance", "account-1", 87.6, false, false));

        List<Change> graph = shipped("account-graph").changes(event(3, withdrawn));
        assertThat(graph.get(1)).isEqualTo(new RelationshipChange("account-1", "WITHDREW", "Withdrawal", "account-1/3",
                Map.of(), Map.of("amount", "12.5", "currency", "EUR", "reason", "rent", "at",
                "2026-12-03T09:00:00Z"), false));

        List<Change> points = shipped("money-flow").changes(event(3, withdrawn));
        assertThat(points).singleElement().isEqualTo(new PointChange(Map.of("direction", "out", "currency", "EUR"),
                Map.of("amount", new BigDecimal("12.50"), "balanceAfter", new BigDecimal("87.60"), "movements", 1L),
                Instant.parse("2026-12-03T09:00:00Z")));

        List<Change> rows = shipped("account-ledger").changes(event(3, withdrawn));
        assertThat(rows.get(1)).isEqualTo(new RowChange("account_movements", "account-1", Map.of("version", 3L),
                Map.of("kind", "withdrawal", "amount", new BigDecimal("12.50"), "balance_after",
                        new BigDecimal("87.60"), "at", Instant.parse("2026-12-03T09:00:00Z"), "note", "rent"), false));
    }

    @Test
    void anEventTypeTheDefinitionDoesNotHandleChangesNothing() throws Exception {
        ReadModelProgram program = shipped("account-search");
        RecordedEvent other = new RecordedEvent(1, 1, "x-1", "x", 1, "SomethingElse", 1,
                tools.jackson.databind.node.JsonNodeFactory.instance.objectNode(), EventMetadata.EMPTY, Instant.EPOCH);
        assertThat(program.changes(other)).isEmpty();
    }

    @Test
    void anExpressionThatFailsOnAnEventNamesTheFileTheExpressionAndTheEvent() throws Exception {
        ReadModelProgram program = loader.compile("defs/broken.yaml", """
                name: broken
                store: redis
                version: 1
                target: {keyPrefix: broken}
                fields: {amount: {type: decimal, scale: 2}}
                on:
                  MoneyDeposited:
                    - set: {amount: data.missing.amount}
                """);
        RecordedEvent deposited = event(2, new MoneyDeposited("account-1", new BigDecimal("1.00"), "EUR", "s",
                new BigDecimal("1.00"), Instant.EPOCH));
        assertThatThrownBy(() -> program.changes(deposited)).isInstanceOf(ChangeFailure.class)
                .hasMessageContaining("defs/broken.yaml:8:")
                .hasMessageContaining("data.missing.amount")
                .hasMessageContaining("MoneyDeposited of stream account-1 version 2");
    }

    @Test
    void moneyIsNeverRoundedSilently() throws Exception {
        ReadModelProgram program = loader.compile("defs/cents.yaml", """
                name: cents
                store: postgres
                version: 1
                target: {table: cents}
                fields: {amount: {type: decimal, scale: 1}}
                on:
                  MoneyDeposited:
                    - set: {amount: data.amount}
                """);
        RecordedEvent deposited = event(2, new MoneyDeposited("account-1", new BigDecimal("1.25"), "EUR", "s",
                new BigDecimal("1.25"), Instant.EPOCH));
        assertThatThrownBy(() -> program.changes(deposited)).isInstanceOf(ChangeFailure.class)
                .hasMessageContaining("more than 1 digits after the point");
    }

    @Test
    void everyErrorOfAWrongDefinitionIsListedWithItsLineAndColumn() {
        String text = """
                name: wrong
                store: redis
                version: 1
                target: {keyPrefix: wrong, index: nope}
                fields:
                  count: long
                  name: keyword
                on:
                  SomethingHappened:
                    - set: {count: streamId, nameless: data.x}
                    - increment: {name: 1}
                    - set: {name: "data.x +"}
                    - point: {fields: {count: 1}}
                """;
        assertThatThrownBy(() -> loader.compile("read-models/wrong.yaml", text))
                .isInstanceOfSatisfying(DefinitionException.class, e -> assertThat(e.errors())
                        .extracting(DefinitionError::toString)
                        .anySatisfy(m -> assertThat(m).startsWith("read-models/wrong.yaml:4:")
                                .contains("target.index is not for redis"))
                        .anySatisfy(m -> assertThat(m).startsWith("read-models/wrong.yaml:10:")
                                .contains("the field count is long; the expression 'streamId' gives string"))
                        .anySatisfy(m -> assertThat(m).startsWith("read-models/wrong.yaml:10:")
                                .contains("the field nameless is not declared"))
                        .anySatisfy(m -> assertThat(m).startsWith("read-models/wrong.yaml:11:")
                                .contains("increment needs a long, double or decimal field; name is keyword"))
                        .anySatisfy(m -> assertThat(m).startsWith("read-models/wrong.yaml:12:")
                                .contains("does not compile"))
                        .anySatisfy(m -> assertThat(m).startsWith("read-models/wrong.yaml:13:")
                                .contains("'point' is not a change a redis read model can make")));
    }

    @Test
    void theSchemaRefusesUnknownStoresAndUnknownKeysWithTheirPlace() {
        String text = """
                name: wrong
                store: cassandra
                version: 1
                target: {keyPrefix: x}
                colour: blue
                on:
                  A:
                    - delete: true
                """;
        assertThatThrownBy(() -> loader.compile("f.yaml", text))
                .isInstanceOfSatisfying(DefinitionException.class, e -> assertThat(e.errors())
                        .extracting(DefinitionError::toString)
                        .anySatisfy(m -> assertThat(m).startsWith("f.yaml:2:").contains("store"))
                        .anySatisfy(m -> assertThat(m).startsWith("f.yaml:5:").contains("colour")));
    }

    @Test
    void aSortedSetKeepIsAPositiveBoundForAnAddOnly() throws Exception {
        String add = """
                name: latest
                store: redis
                version: 1
                target: {keyPrefix: latest}
                on:
                  TicketOpened:
                    - sortedSet: {name: "'latest'", member: streamId, score: "double(version)", keep: 50}
                """;
        assertThat(loader.compile("latest.yaml", add).eventTypes()).containsExactly("TicketOpened");
        for (String wrong : List.of("score: \"double(version)\", keep: 0", "remove: true, keep: 5")) {
            String text = add.replace("score: \"double(version)\", keep: 50", wrong);
            assertThatThrownBy(() -> loader.compile("latest.yaml", text)).as(wrong)
                    .isInstanceOfSatisfying(DefinitionException.class, e -> assertThat(e.errors())
                            .extracting(DefinitionError::toString)
                            .anySatisfy(m -> assertThat(m).startsWith("latest.yaml:7:").contains("keep")));
        }
    }

    @Test
    void twoReadModelsWithOneNameOrOneTargetAreRefused() {
        String first = """
                name: same
                store: redis
                version: 1
                target: {keyPrefix: shared}
                on:
                  A: [{delete: true}]
                """;
        String sameName = first.replace("keyPrefix: shared", "keyPrefix: other");
        String sameTarget = first.replace("name: same", "name: another");
        assertThatThrownBy(() -> loader.load(new java.util.TreeMap<>(Map.of("a.yaml", first, "b.yaml", sameName))))
                .hasMessageContaining("b.yaml:1:7: the read model same is already defined in a.yaml");
        assertThatThrownBy(() -> loader.load(new java.util.TreeMap<>(Map.of("a.yaml", first, "c.yaml", sameTarget))))
                .hasMessageContaining("c.yaml:4:")
                .hasMessageContaining("the redis target shared belongs to the read model same (a.yaml)");
    }

    @Test
    void aYamlSyntaxErrorIsPlaced() {
        assertThatThrownBy(() -> loader.compile("bad.yaml", "name: x\nstore: [redis\n"))
                .isInstanceOfSatisfying(DefinitionException.class, e -> assertThat(e.errors()).singleElement()
                        .satisfies(error -> {
                            assertThat(error.file()).isEqualTo("bad.yaml");
                            assertThat(error.line()).isGreaterThanOrEqualTo(2);
                            assertThat(error.message()).startsWith("not valid YAML");
                        }));
    }

    @Test
    void tagsNeverHoldStreamIds() {
        String text = """
                name: points
                store: influxdb
                version: 1
                target: {measurement: points}
                tags: [account]
                fields: {amount: double}
                on:
                  A:
                    - point: {tags: {account: streamId}, fields: {amount: 1.5}}
                """;
        assertThatThrownBy(() -> loader.compile("p.yaml", text))
                .hasMessageContaining("p.yaml:9:")
                .hasMessageContaining("a tag never holds a stream id");
    }

    @Test
    void theHubsOwnRelationshipAndEndNodePropertiesAreRefused() {
        String text = """
                name: links
                store: neo4j
                version: 1
                target: {labels: [Thing]}
                on:
                  A:
                    - relationship:
                        type: LINKS
                        to: {label: Other, key: streamId, set: {key: "'x'"}}
                        properties: {stream: "'y'"}
                """;
        assertThatThrownBy(() -> loader.compile("l.yaml", text))
                .isInstanceOfSatisfying(DefinitionException.class, e -> assertThat(e.errors())
                        .extracting(DefinitionError::toString)
                        .anySatisfy(m -> assertThat(m).startsWith("l.yaml:9:").contains("'key' is an end node's"))
                        .anySatisfy(m -> assertThat(m).startsWith("l.yaml:10:").contains("'stream' is a relationship's")));
    }

    private RecordedEvent raw(String json) {
        return new RecordedEvent(1, 1, "s-1", "s", 1, "Measured", 1,
                tools.jackson.databind.json.JsonMapper.builder()
                        .enable(tools.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build()
                        .readTree(json), EventMetadata.EMPTY, Instant.EPOCH);
    }

    @Test
    void amountsBeyondADoublesDigitsStayExactAndAbsurdOnesAreRefusedAsAFailureOfThatEvent() throws Exception {
        ReadModelProgram program = loader.compile("m.yaml", """
                name: measures
                store: postgres
                version: 1
                target: {table: measures}
                fields: {amount: {type: decimal, scale: 2}}
                on:
                  Measured:
                    - set: {amount: data.amount}
                """);
        List<Change> exact = program.changes(raw("{\"amount\": 1234567890123456.78}"));
        assertThat(((DocumentChange) exact.get(0)).ops())
                .containsExactly(new FieldOp.Set("amount", new BigDecimal("1234567890123456.78")));
        assertThatThrownBy(() -> program.changes(raw("{\"amount\": 1e999999999}")))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("m.yaml:8:");
    }

    @Test
    void anExpressionReadsTheCurrentDocumentFoldedThroughTheBatch() throws Exception {
        ReadModelProgram program = loader.compile("o.yaml", """
                name: order-stats
                store: redis
                version: 1
                target: {keyPrefix: ostats}
                fields: {status: keyword, total: {type: decimal, scale: 2}, currency: keyword, since: timestamp}
                on:
                  OrderCreated:
                    - set: {status: "'CREATED'", total: data.totalAmount, currency: data.currency, since: recordedAt}
                    - counter: {name: "'status-CREATED'", by: 1}
                  OrderCancelled:
                    - counter: {name: "'status-' + doc.status", by: -1}
                    - counter: {name: "'revenue-' + doc.currency", by: "subtractDecimal(0, doc.total)", scale: 2}
                    - set: {status: "'CANCELLED'"}
                      when: "recordedAt > doc.since"
                """);
        assertThat(program.usesDocument()).isTrue();
        RecordedEvent created = new RecordedEvent(1, 1, "order-1", "order", 1, "OrderCreated", 1,
                tools.jackson.databind.json.JsonMapper.builder().build()
                        .readTree("{\"totalAmount\": \"12.50\", \"currency\": \"EUR\"}"), EventMetadata.EMPTY,
                Instant.parse("2026-12-01T10:00:00Z"));
        RecordedEvent cancelled = new RecordedEvent(2, 1, "order-1", "order", 2, "OrderCancelled", 1,
                tools.jackson.databind.json.JsonMapper.builder().build().readTree("{}"), EventMetadata.EMPTY,
                Instant.parse("2026-12-01T11:00:00Z"));
        List<List<Change>> changes = io.projhub.definitions.changes.DocumentFolding.changes(program,
                List.of(created, cancelled), keys -> Map.of());
        assertThat(changes.get(1)).containsExactly(new CounterChange("status-CREATED", -1L, 0),
                new CounterChange("revenue-EUR", new BigDecimal("-12.50"), 2),
                new DocumentChange("order-1", List.of(new FieldOp.Set("status", "CANCELLED"))));

        // the document as a store gives it: decimals as BigDecimal, timestamps as ISO strings
        List<Change> fromStore = program.changes(cancelled, Map.of("status", "SHIPPED", "currency", "USD",
                "total", new BigDecimal("3.00"), "since", "2026-12-01T10:30:00Z"));
        assertThat(fromStore).contains(new CounterChange("status-SHIPPED", -1L, 0),
                new CounterChange("revenue-USD", new BigDecimal("-3.00"), 2));
        assertThatThrownBy(() -> program.changes(cancelled)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aKeyOrAnInfluxPointCannotReadTheDocument() {
        assertThatThrownBy(() -> loader.compile("k.yaml", """
                name: keyed
                store: redis
                version: 1
                target: {keyPrefix: keyed}
                key: doc.owner
                on:
                  A: [{delete: true}]
                """)).hasMessageContaining("k.yaml:5:").hasMessageContaining("a key cannot read doc");
        assertThatThrownBy(() -> loader.compile("p.yaml", """
                name: pts
                store: influxdb
                version: 1
                target: {measurement: pts}
                fields: {n: long}
                on:
                  A:
                    - point: {fields: {n: doc.n}}
                """)).hasMessageContaining("p.yaml:8:").hasMessageContaining("no document to read");
    }
}
