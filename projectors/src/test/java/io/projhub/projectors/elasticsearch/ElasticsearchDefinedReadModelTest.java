package io.projhub.projectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.domain.account.MoneyDeposited;
import io.projhub.core.domain.account.MoneyWithdrawn;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.Projector;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.FieldType;
import io.projhub.definitions.ReadModelDefinition;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.StoreKind;
import io.projhub.definitions.Target;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.CounterChange;
import io.projhub.definitions.changes.DeleteDocument;
import io.projhub.definitions.changes.DocumentChange;
import io.projhub.definitions.changes.FieldOp;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel.Bucket;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel.SearchHit;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel.SearchQuery;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel.SearchResult;
import io.projhub.projectors.testing.EventLog;
import io.projhub.projectors.testing.TestPrograms;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

@RealStores
class ElasticsearchDefinedReadModelTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00.123456Z");
    private static final EventTypeRegistry REGISTRY = DomainEventTypes.registry();

    /** Owners (text) and customers (the key two account streams share). */
    private static final Map<String, String> OWNER = Map.of(
            "account-1", "Ada Lovelace", "account-2", "Ada Lovelace", "account-3", "Bob Babbage",
            "account-4", "Grace Hopper");
    private static final Map<String, String> CUSTOMER = Map.of(
            "account-1", "customer-ada", "account-2", "customer-ada", "account-3", "customer-bob",
            "account-4", "customer-grace");

    private final String namespace = "t" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final List<ElasticsearchDefinedReadModel> created = new ArrayList<>();
    private ElasticsearchClient client;

    @BeforeEach
    void connect(StoreEndpoints stores) {
        client = ElasticsearchConnector.connect(stores.elasticsearchUrl());
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            for (ElasticsearchDefinedReadModel model : created) {
                model.drop();
            }
            client.indices().delete(d -> d.index(namespace + "projhub-defined-checkpoints")
                    .ignoreUnavailable(true).allowNoIndices(true));
        } finally {
            client._transport().close();
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // The program: bank accounts, and customers fed by several account streams

    private static ReadModelDefinition definition(String name, String index, int version) {
        Map<String, FieldSpec> fields = new LinkedHashMap<>();
        fields.put("owner", FieldSpec.of("owner", FieldType.TEXT));
        fields.put("currency", FieldSpec.of("currency", FieldType.KEYWORD));
        fields.put("balance", new FieldSpec("balance", FieldType.DECIMAL, 2, null));
        fields.put("deposits", FieldSpec.of("deposits", FieldType.LONG));
        fields.put("sources", new FieldSpec("sources", FieldType.SET, 2, FieldType.KEYWORD));
        fields.put("amounts", new FieldSpec("amounts", FieldType.LIST, 2, FieldType.DECIMAL));
        fields.put("openedAt", FieldSpec.of("openedAt", FieldType.TIMESTAMP));
        fields.put("active", FieldSpec.of("active", FieldType.BOOLEAN));
        fields.put("ratio", FieldSpec.of("ratio", FieldType.DOUBLE));
        fields.put("details", FieldSpec.of("details", FieldType.OBJECT));
        return new ReadModelDefinition(name, StoreKind.ELASTICSEARCH, version, "accounts for tests",
                new Target(index, null, null, null, null, null), fields, "test/" + name + ".yaml");
    }

    private static ReadModelProgram program(ReadModelDefinition definition, String hash) {
        Map<String, Function<RecordedEvent, List<Change>>> byType = new HashMap<>();
        byType.put("AccountCreated", event -> {
            AccountCreated c = (AccountCreated) REGISTRY.toObject(event);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("initial", c.initialBalance());
            details.put("note", "opened");
            return List.of(new DocumentChange(c.accountId(), List.of(
                    new FieldOp.Set("owner", OWNER.getOrDefault(c.accountId(), "Many Owners")),
                    new FieldOp.Set("currency", c.currency()),
                    new FieldOp.Set("balance", c.initialBalance().setScale(2)),
                    new FieldOp.Set("deposits", 0L),
                    new FieldOp.Set("openedAt", c.openedAt()),
                    new FieldOp.Set("active", true),
                    new FieldOp.Set("ratio", 0.5),
                    new FieldOp.Set("details", details))));
        });
        byType.put("MoneyDeposited", event -> {
            MoneyDeposited d = (MoneyDeposited) REGISTRY.toObject(event);
            BigDecimal amount = d.amount().setScale(2);
            return List.of(
                    new DocumentChange(d.accountId(), List.of(
                            new FieldOp.Increment("balance", amount),
                            new FieldOp.Increment("deposits", 1L),
                            new FieldOp.AddToSet("sources", d.source()),
                            new FieldOp.Append("amounts", amount),
                            new FieldOp.Increment("ratio", 0.25))),
                    new DocumentChange(CUSTOMER.getOrDefault(d.accountId(), "customer-many"), List.of(
                            new FieldOp.Set("owner", OWNER.getOrDefault(d.accountId(), "Many Owners")),
                            new FieldOp.Set("currency", d.currency()),
                            new FieldOp.Increment("balance", amount),
                            new FieldOp.Increment("deposits", 1L),
                            new FieldOp.AddToSet("sources", d.accountId()))));
        });
        byType.put("MoneyWithdrawn", event -> {
            MoneyWithdrawn w = (MoneyWithdrawn) REGISTRY.toObject(event);
            return switch (w.reason()) {
                case "close" -> List.of(new DeleteDocument(w.accountId()));
                case "ignored" -> List.of();
                case "unsupported" -> List.of(new CounterChange("withdrawals", 1L, 0));
                case "undeclared" -> List.of(new DocumentChange(w.accountId(),
                        List.of(new FieldOp.Set("nickname", "x"))));
                default -> List.of(new DocumentChange(w.accountId(), List.of(
                        new FieldOp.Increment("balance", w.amount().setScale(2).negate()),
                        new FieldOp.Remove("sources", w.reason()),
                        new FieldOp.Set("active", false))));
            };
        });
        return TestPrograms.of(definition, hash, byType);
    }

    private ElasticsearchDefinedReadModel model(String name, String index, String hash) {
        ElasticsearchDefinedReadModel model =
                new ElasticsearchDefinedReadModel(client, namespace, program(definition(name, index, 1), hash));
        created.add(model);
        return model;
    }

    private ElasticsearchDefinedReadModel accounts() {
        return model("accounts", "accounts", "hash-1");
    }

    private static RecordedEvent created(EventLog log, String account, String initial, String currency) {
        return log.append("account", account, new AccountCreated(account, new BigDecimal(initial), currency,
                T0.plusSeconds(account.hashCode() % 1000)));
    }

    private static RecordedEvent deposit(EventLog log, String account, String amount, String source) {
        return log.append("account", account, new MoneyDeposited(account, new BigDecimal(amount), "EUR", source,
                BigDecimal.ZERO, T0));
    }

    private static RecordedEvent withdraw(EventLog log, String account, String amount, String reason) {
        return log.append("account", account, new MoneyWithdrawn(account, new BigDecimal(amount), "EUR", reason,
                BigDecimal.ZERO, T0));
    }

    /** account-1: 100.00 + 0.10 + 0.20 - 50.00 (atm); account-2: 1e12 + 0.01; both belong to customer-ada. */
    private static EventLog ada() {
        EventLog log = new EventLog();
        created(log, "account-1", "100.00", "EUR");
        deposit(log, "account-1", "0.10", "salary");
        created(log, "account-2", "1000000000000.00", "EUR");
        deposit(log, "account-1", "0.20", "gift");
        deposit(log, "account-2", "0.01", "salary");
        withdraw(log, "account-1", "50.00", "gift");
        return log;
    }

    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    /** Every stored document (tombstones and stream records included) by id, with its seq_no: proves "no write". */
    private Map<String, Map.Entry<Long, Map<String, Object>>> raw(ElasticsearchDefinedReadModel model)
            throws Exception {
        model.refresh();
        SearchResponse<ExactSource> all = client.search(s -> s.index(model.concreteIndex()).size(1000)
                .seqNoPrimaryTerm(true), ExactSource.class);
        Map<String, Map.Entry<Long, Map<String, Object>>> documents = new TreeMap<>();
        for (Hit<ExactSource> hit : all.hits().hits()) {
            documents.put(hit.id(), Map.entry(hit.seqNo(), hit.source().fields()));
        }
        return documents;
    }

    // ----------------------------------------------------------------------------------------------------------------

    @Test
    void aBatchGivesExactlyTheExpectedDocumentsTypedPerTheDefinition() throws Exception {
        ElasticsearchDefinedReadModel model = accounts();
        EventLog log = ada();

        model.projector().apply(new EventBatch(log.events(), log.head()));

        assertThat(model.document("account-1", 1)).contains(map(
                "owner", "Ada Lovelace",
                "currency", "EUR",
                "balance", new BigDecimal("50.30"),
                "deposits", 2L,
                "sources", List.of("salary"),
                "amounts", List.of(new BigDecimal("0.10"), new BigDecimal("0.20")),
                "openedAt", T0.plusSeconds("account-1".hashCode() % 1000).toString(),
                "active", false,
                "ratio", 1.0,
                "details", map("initial", new BigDecimal("100.00"), "note", "opened")));
        // 1e12 + 0.01, exactly.
        assertThat(model.document("account-2", 1).orElseThrow().get("balance"))
                .isEqualTo(new BigDecimal("1000000000000.01"));
        // Two streams feed one key: 0.10 + 0.20 + 0.01 = 0.31, three deposits.
        assertThat(model.document("customer-ada", 1)).contains(map(
                "owner", "Ada Lovelace",
                "currency", "EUR",
                "balance", new BigDecimal("0.31"),
                "deposits", 3L,
                "sources", List.of("account-1", "account-2")));
        assertThat(model.probe().checkpoint()).isEqualTo(log.head());
        assertThat(model.storedHash()).contains("hash-1");

        // _source keeps the exact decimal string; the hub fields record the streams and their versions.
        Map<String, Object> stored = raw(model).get("customer-ada").getValue();
        assertThat(stored).containsEntry("balance", "0.31")
                .containsEntry(ElasticsearchDefinedReadModel.KEY, "customer-ada")
                .containsEntry(ElasticsearchDefinedReadModel.STREAMS, List.of("account-1", "account-2"))
                .containsEntry(ElasticsearchDefinedReadModel.VERSIONS, map("account-1", 3L, "account-2", 2L))
                .containsEntry(ElasticsearchDefinedReadModel.DELETED, false);
        assertThat(raw(model).get("account-1").getValue()).containsEntry("amounts", List.of("0.10", "0.20"));
        // The index is versioned behind its alias, with a strict mapping.
        assertThat(client.indices().getAlias(a -> a.name(model.alias())).aliases()).containsOnlyKeys(
                namespace + "accounts-v1");
        var mapping = client.indices().getMapping(m -> m.index(model.concreteIndex())).get(model.concreteIndex())
                .mappings();
        assertThat(mapping.dynamic().jsonValue()).isEqualTo("strict");
        assertThat(mapping.properties().get("owner").isText()).isTrue();
        assertThat(mapping.properties().get("owner").text().fields()).containsKey("raw");
        assertThat(mapping.properties().get("balance")._kind().jsonValue()).isIn("scaled_float", "double");
        assertThat(mapping.properties().get("details").object().enabled()).isFalse();
    }

    @Test
    void applyingTheSameBatchAgainWritesNothing() throws Exception {
        ElasticsearchDefinedReadModel model = accounts();
        EventLog log = ada();
        EventBatch batch = new EventBatch(log.events(), log.head());
        model.projector().apply(batch);
        var before = raw(model);

        model.projector().apply(batch);
        new ElasticsearchDefinedReadModel(client, namespace, model.program()).projector().apply(batch);

        // Same sources and same seq_no: not even rewritten with equal content.
        assertThat(raw(model)).isEqualTo(before);
        assertThat(model.document("customer-ada", 1).orElseThrow())
                .containsEntry("balance", new BigDecimal("0.31")).containsEntry("deposits", 3L);
        assertThat(model.document("account-1", 1).orElseThrow()).containsEntry("balance", new BigDecimal("50.30"));
    }

    @Test
    void aRedeliveryAppliesOnlyWhatIsMissingAndNeverMovesTheCheckpointBack() throws Exception {
        ElasticsearchDefinedReadModel model = accounts();
        EventLog log = ada();
        List<RecordedEvent> events = log.events();
        LogPosition atFour = events.get(3).logPosition();
        model.projector().apply(new EventBatch(events.subList(0, 4), atFour));
        var before = raw(model);

        // Older events again: nothing changes, the checkpoint stays.
        model.projector().apply(new EventBatch(events.subList(0, 3), events.get(2).logPosition(), true));
        assertThat(raw(model)).isEqualTo(before);
        assertThat(model.probe().checkpoint()).isEqualTo(atFour);

        // A re-drive of the whole stream of account-2 brings its missing deposit: only that one is applied.
        List<RecordedEvent> account2 = events.stream().filter(e -> e.streamId().equals("account-2")).toList();
        model.projector().apply(new EventBatch(account2, atFour, true));
        assertThat(model.document("account-2", 1).orElseThrow())
                .containsEntry("balance", new BigDecimal("1000000000000.01")).containsEntry("deposits", 1L);
        assertThat(model.document("customer-ada", 1).orElseThrow()).containsEntry("balance", new BigDecimal("0.31"));
        assertThat(model.probe().checkpoint()).isEqualTo(atFour);

        // The lane then delivers the rest, the deposit of account-2 again among them: counted once.
        model.projector().apply(new EventBatch(events.subList(4, events.size()), log.head()));
        assertThat(model.document("customer-ada", 1).orElseThrow())
                .containsEntry("balance", new BigDecimal("0.31")).containsEntry("deposits", 3L);
        assertThat(model.document("account-1", 1).orElseThrow()).containsEntry("balance", new BigDecimal("50.30"));
        assertThat(model.probe().checkpoint()).isEqualTo(log.head());
    }

    @Test
    void twoStreamsFeedingOneKeyBothCountAcrossBatchesAndRedeliveries() throws Exception {
        ElasticsearchDefinedReadModel model = accounts();
        EventLog log = new EventLog();
        created(log, "account-1", "0", "EUR");
        created(log, "account-2", "0", "EUR");
        for (int i = 0; i < 10; i++) {
            deposit(log, "account-1", "0.10", "s");
            deposit(log, "account-2", "0.20", "s");
        }
        List<RecordedEvent> events = log.events();
        // Batches of three, each applied twice, and the first half redelivered at the end.
        for (int from = 0; from < events.size(); from += 3) {
            List<RecordedEvent> slice = events.subList(from, Math.min(events.size(), from + 3));
            EventBatch batch = new EventBatch(slice, slice.get(slice.size() - 1).logPosition());
            model.projector().apply(batch);
            model.projector().apply(batch);
        }
        model.projector().apply(new EventBatch(events.subList(0, 11), log.head(), true));

        assertThat(model.document("customer-ada", 1).orElseThrow())
                .containsEntry("balance", new BigDecimal("3.00"))
                .containsEntry("deposits", 20L);
        assertThat(model.document("account-1", 1).orElseThrow()).containsEntry("balance", new BigDecimal("1.00"));
        assertThat(model.document("account-2", 1).orElseThrow()).containsEntry("balance", new BigDecimal("2.00"));
    }

    @Test
    void decimalsStayExact() throws Exception {
        ElasticsearchDefinedReadModel model = accounts();
        EventLog log = new EventLog();
        created(log, "account-1", "0.10", "EUR");
        deposit(log, "account-1", "0.20", "s");
        created(log, "account-2", "1000000000000", "EUR");
        deposit(log, "account-2", "0.01", "s");
        created(log, "account-3", "0", "EUR");
        for (int i = 0; i < 100; i++) {
            deposit(log, "account-3", "0.01", "s");
        }
        model.projector().apply(new EventBatch(log.events(), log.head()));

        assertThat(model.document("account-1", 1).orElseThrow().get("balance")).isEqualTo(new BigDecimal("0.30"));
        assertThat(model.document("account-2", 1).orElseThrow().get("balance"))
                .isEqualTo(new BigDecimal("1000000000000.01"));
        assertThat(model.document("account-3", 1).orElseThrow().get("balance")).isEqualTo(new BigDecimal("1.00"));
        model.refresh();
        // Sorting goes through the numeric mapping, the values come back exact from _source.
        SearchResult bySize = model.search(new SearchQuery(null, Map.of("currency", "EUR"), "balance", true, 0, 10,
                null));
        assertThat(bySize.hits()).extracting(SearchHit::key, h -> h.document().get("balance")).startsWith(
                org.assertj.core.groups.Tuple.tuple("account-2", new BigDecimal("1000000000000.01")),
                org.assertj.core.groups.Tuple.tuple("account-3", new BigDecimal("1.00")),
                org.assertj.core.groups.Tuple.tuple("customer-bob", new BigDecimal("1.00")),
                org.assertj.core.groups.Tuple.tuple("account-1", new BigDecimal("0.30")));
    }

    @Test
    void checkpointAndHashAreStoredAndReadBackByAFreshInstance() throws Exception {
        ElasticsearchDefinedReadModel model = accounts();
        assertThat(model.probe().checkpoint()).isEqualTo(LogPosition.START);
        assertThat(model.storedHash()).isEmpty();
        EventLog log = ada();
        model.projector().apply(new EventBatch(log.events(), log.head()));

        ElasticsearchDefinedReadModel fresh = new ElasticsearchDefinedReadModel(client, namespace,
                program(definition("accounts", "accounts", 1), "hash-2"));
        assertThat(fresh.projector().checkpoint()).isEqualTo(log.head());
        assertThat(fresh.probe().checkpoint()).isEqualTo(log.head());
        assertThat(fresh.storedHash()).contains("hash-1"); // what the store holds, not the new program's
        assertThat(fresh.probe().name()).isEqualTo("accounts");
        assertThat(fresh.projector().name()).isEqualTo("accounts");
        assertThat(fresh.projector().eventTypes())
                .containsExactlyInAnyOrder("AccountCreated", "MoneyDeposited", "MoneyWithdrawn");

        // An empty batch moves the checkpoint and stores the new hash; overwriteCheckpoint may go backwards.
        LogPosition later = new LogPosition(log.head().txId() + 5, log.head().position() + 10);
        fresh.projector().apply(new EventBatch(List.of(), later));
        assertThat(model.probe().checkpoint()).isEqualTo(later);
        assertThat(model.storedHash()).contains("hash-2");
        model.projector().overwriteCheckpoint(new LogPosition(1000, 1));
        assertThat(fresh.probe().checkpoint()).isEqualTo(new LogPosition(1000, 1));
        assertThat(model.document("account-1", 1)).isPresent();
    }

    @Test
    void theProbeReadsAppliedVersionsFromDocumentsTombstonesAndStreamRecords() throws Exception {
        ElasticsearchDefinedReadModel model = accounts();
        EventLog log = ada();
        withdraw(log, "account-2", "1.00", "ignored"); // account-2 v3: no change at all
        created(log, "account-3", "5.00", "EUR");
        withdraw(log, "account-3", "5.00", "close"); // account-3 v2: a tombstone
        model.projector().apply(new EventBatch(log.events(), log.head()));
        model.refresh();

        assertThat(model.probe().appliedVersion("account-1")).isEqualTo(4);
        assertThat(model.probe().appliedVersion("account-2")).isEqualTo(3);
        assertThat(model.probe().appliedVersion("account-3")).isEqualTo(2);
        assertThat(model.probe().appliedVersion("account-9")).isZero();
        assertThat(model.document("account-3", 1)).isEmpty();
        assertThatThrownBy(() -> model.probe().appliedVersion("bad stream id"))
                .isInstanceOf(IllegalArgumentException.class);
        // Another read model in the namespace has none of it.
        assertThat(model("other", "other", "h").probe().appliedVersion("account-1")).isZero();
    }

    @Test
    void recordSkippedRaisesTheVersionAppliesNothingAndNeverLowersIt() throws Exception {
        ElasticsearchDefinedReadModel model = accounts();
        Projector projector = model.projector();
        EventLog log = new EventLog();
        RecordedEvent opened = created(log, "account-1", "10.00", "EUR");
        RecordedEvent failing = withdraw(log, "account-1", "1.00", "unsupported"); // v2: dead-lettered
        RecordedEvent skipped = deposit(log, "account-1", "5.00", "s"); // v3: skipped by an admin
        RecordedEvent later = deposit(log, "account-1", "7.00", "s"); // v4
        projector.apply(new EventBatch(List.of(opened), opened.logPosition()));
        assertThatThrownBy(() -> projector.apply(new EventBatch(List.of(failing), failing.logPosition())))
                .isInstanceOf(ChangeFailure.class);

        projector.recordSkipped("account-1", 3);
        projector.recordSkipped("account-1", 3);
        model.refresh();
        assertThat(model.probe().appliedVersion("account-1")).isEqualTo(3);

        // A re-drive of the stream: the skipped ones (the failing one too) are passed over, v4 is applied.
        projector.apply(new EventBatch(log.events(), opened.logPosition(), true));
        assertThat(model.document("account-1", 1).orElseThrow())
                .containsEntry("balance", new BigDecimal("17.00")).containsEntry("deposits", 1L);

        projector.recordSkipped("account-1", 1); // never lowers
        model.refresh();
        assertThat(model.probe().appliedVersion("account-1")).isEqualTo(4);
        assertThat(model.probe().checkpoint()).isEqualTo(opened.logPosition());
        assertThat(model.search(SearchQuery.all()).hits()).extracting(SearchHit::key)
                .containsExactly("account-1", "customer-ada"); // the stream record is not a document
    }

    @Test
    void resetRemovesOnlyThisReadModelsData() throws Exception {
        ElasticsearchDefinedReadModel accounts = accounts();
        ElasticsearchDefinedReadModel ledger = model("ledger", "ledger", "hash-l");
        EventLog log = ada();
        accounts.projector().apply(new EventBatch(log.events(), log.head()));
        ledger.projector().apply(new EventBatch(log.events(), log.head()));
        accounts.projector().recordSkipped("account-7", 2);

        accounts.projector().reset();

        assertThat(accounts.document("account-1", 1)).isEmpty();
        assertThat(accounts.projector().checkpoint()).isEqualTo(LogPosition.START);
        assertThat(accounts.storedHash()).isEmpty();
        accounts.refresh();
        assertThat(accounts.probe().appliedVersion("account-1")).isZero();
        assertThat(accounts.probe().appliedVersion("account-7")).isZero();
        assertThat(client.indices().exists(e -> e.index(accounts.concreteIndex())).value()).isTrue();
        // The other read model keeps everything.
        assertThat(ledger.document("account-1", 1).orElseThrow()).containsEntry("balance", new BigDecimal("50.30"));
        assertThat(ledger.probe().checkpoint()).isEqualTo(log.head());
        assertThat(ledger.storedHash()).contains("hash-l");

        // Rebuilt from the start: the same documents again.
        accounts.projector().apply(new EventBatch(log.events(), log.head()));
        assertThat(accounts.document("account-1", 1).orElseThrow())
                .containsEntry("balance", new BigDecimal("50.30"));
    }

    @Test
    void dropRemovesTheIndexAndTheCheckpoint() throws Exception {
        ElasticsearchDefinedReadModel accounts = accounts();
        ElasticsearchDefinedReadModel ledger = model("ledger", "ledger", "hash-l");
        EventLog log = ada();
        accounts.projector().apply(new EventBatch(log.events(), log.head()));
        ledger.projector().apply(new EventBatch(log.events(), log.head()));

        accounts.drop();

        assertThat(client.indices().exists(e -> e.index(accounts.concreteIndex())).value()).isFalse();
        assertThat(client.indices().existsAlias(a -> a.name(accounts.alias())).value()).isFalse();
        assertThat(accounts.document("account-1", 1)).isEmpty();
        assertThat(accounts.probe().checkpoint()).isEqualTo(LogPosition.START);
        assertThat(accounts.probe().appliedVersion("account-1")).isZero();
        assertThat(accounts.storedHash()).isEmpty();
        assertThat(accounts.search(SearchQuery.all()).total()).isZero();
        assertThat(ledger.probe().checkpoint()).isEqualTo(log.head());
        assertThat(ledger.document("account-1", 1)).isPresent();
    }

    @Test
    void documentHidesTombstonesAndAReplayAfterADeleteChangesNothing() throws Exception {
        ElasticsearchDefinedReadModel model = accounts();
        EventLog log = ada();
        withdraw(log, "account-1", "0", "close");
        model.projector().apply(new EventBatch(log.events(), log.head()));

        assertThat(model.document("account-1", 1)).isEmpty();
        assertThat(model.document("account-2", 2)).isPresent();
        assertThat(model.document("nobody", 1)).isEmpty();
        assertThat(model.document("projhub:stream:account-1", 1)).isEmpty();
        var tombstone = raw(model).get("account-1").getValue();
        assertThat(tombstone).containsOnlyKeys(ElasticsearchDefinedReadModel.KEY, ElasticsearchDefinedReadModel.STREAMS,
                ElasticsearchDefinedReadModel.VERSIONS, ElasticsearchDefinedReadModel.DELETED);
        assertThat(tombstone).containsEntry(ElasticsearchDefinedReadModel.DELETED, true)
                .containsEntry(ElasticsearchDefinedReadModel.VERSIONS, map("account-1", 5L));

        // A redelivery of account-1's older events does not bring it back.
        model.projector().apply(new EventBatch(log.events().subList(0, 4), log.head(), true));
        assertThat(model.document("account-1", 1)).isEmpty();
        model.refresh();
        assertThat(model.search(SearchQuery.all()).hits()).extracting(SearchHit::key)
                .containsExactly("account-2", "customer-ada");
    }

    @Test
    void searchMatchesTextFiltersSortsPagesAndAggregates() throws Exception {
        ElasticsearchDefinedReadModel model = accounts();
        EventLog log = ada();
        created(log, "account-3", "30.00", "USD");
        deposit(log, "account-3", "1.00", "salary");
        created(log, "account-4", "40.00", "EUR");
        withdraw(log, "account-4", "40.00", "close");
        model.projector().apply(new EventBatch(log.events(), log.head()));
        model.refresh();

        SearchResult ada = model.search(new SearchQuery("lovelace ADA", null, "owner", false, 0, 10, "currency"));
        assertThat(ada.total()).isEqualTo(3);
        assertThat(ada.hits()).extracting(SearchHit::key).containsExactly("account-1", "account-2", "customer-ada");
        assertThat(ada.hits().get(0).document()).containsEntry("balance", new BigDecimal("50.30"))
                .containsEntry("openedAt", T0.plusSeconds("account-1".hashCode() % 1000).toString());
        assertThat(ada.buckets()).containsExactly(new Bucket("EUR", 3));

        // All words are required; query syntax is just text.
        assertThat(model.search(new SearchQuery("ada babbage", null, null, false, null, null, null)).total()).isZero();
        assertThat(model.search(new SearchQuery("owner:Ada OR *", null, null, false, null, null, null)).total())
                .isZero();

        SearchResult all = model.search(new SearchQuery(null, null, "balance", true, null, null, "currency"));
        assertThat(all.total()).isEqualTo(5); // account-4 is deleted
        assertThat(all.hits()).extracting(SearchHit::key)
                .containsExactly("account-2", "account-1", "account-3", "customer-bob", "customer-ada");
        assertThat(all.buckets()).containsExactly(new Bucket("EUR", 4), new Bucket("USD", 1));

        SearchResult page = model.search(new SearchQuery(null, null, "balance", true, 1, 2, null));
        assertThat(page.total()).isEqualTo(5);
        assertThat(page.hits()).extracting(SearchHit::key).containsExactly("account-3", "customer-bob");
        assertThat(page.buckets()).isEmpty();

        SearchResult filtered = model.search(new SearchQuery(null,
                Map.of("currency", "EUR", "active", "true", "deposits", "1"), null, false, null, null, null));
        assertThat(filtered.hits()).extracting(SearchHit::key).containsExactly("account-2");
        assertThat(model.search(new SearchQuery(null, Map.of("sources", "gift"), null, false, null, null, null))
                .hits()).isEmpty(); // removed from account-1's set by the withdrawal

        assertThatThrownBy(() -> model.search(new SearchQuery(null, Map.of("nickname", "x"), null, false, null, null,
                null))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nickname");
        assertThatThrownBy(() -> model.search(new SearchQuery(null, Map.of("balance", "1"), null, false, null, null,
                null))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("balance");
        assertThatThrownBy(() -> model.search(new SearchQuery(null, null, "details", false, null, null, null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("details");
        assertThatThrownBy(() -> model.search(new SearchQuery(null, null, null, false, null, null, "owner")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("owner");
        assertThatThrownBy(() -> new SearchQuery(null, null, null, false, 0, 101, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("size");
    }

    @Test
    void anUnsupportedChangeOrAnUndeclaredFieldIsAChangeFailureAndNothingOfTheBatchIsWritten() throws Exception {
        ElasticsearchDefinedReadModel model = accounts();
        EventLog log = new EventLog();
        created(log, "account-1", "10.00", "EUR");
        withdraw(log, "account-1", "1.00", "unsupported");
        assertThatThrownBy(() -> model.projector().apply(new EventBatch(log.events(), log.head())))
                .isInstanceOf(ChangeFailure.class)
                .hasMessageContaining("CounterChange")
                .satisfies(e -> assertThat(model.projector().classify(e)).isEqualTo(FailureKind.PERMANENT));
        assertThat(model.document("account-1", 1)).isEmpty();
        assertThat(model.probe().checkpoint()).isEqualTo(LogPosition.START);

        EventLog other = new EventLog();
        withdraw(other, "account-1", "1.00", "undeclared");
        assertThatThrownBy(() -> model.projector().apply(new EventBatch(other.events(), other.head())))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("nickname");
    }

    @Test
    void identifiersFromTheDefinitionAreValidated() {
        assertThatThrownBy(() -> new ElasticsearchDefinedReadModel(client, namespace,
                program(definition("x", "Bad-Index", 1), "h")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Bad-Index");
        Map<String, FieldSpec> fields = Map.of("projhub_key", FieldSpec.of("projhub_key", FieldType.KEYWORD));
        ReadModelDefinition reserved = new ReadModelDefinition("x", StoreKind.ELASTICSEARCH, 1, null,
                new Target("x", null, null, null, null, null), fields, "x.yaml");
        assertThatThrownBy(() -> new ElasticsearchDefinedReadModel(client, namespace, program(reserved, "h")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("projhub_key");
        ReadModelDefinition redis = new ReadModelDefinition("x", StoreKind.REDIS, 1, null,
                new Target(null, "x", null, null, null, null), Map.of(), "x.yaml");
        assertThatThrownBy(() -> new ElasticsearchDefinedReadModel(client, namespace, program(redis, "h")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis");
        assertThatThrownBy(() -> new ElasticsearchDefinedReadModel(client, "Bad NS", program(definition("x", "x", 1),
                "h"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace");
    }

    @Test
    void aNewVersionIsBuiltBesideTheLiveOne() throws Exception {
        ElasticsearchDefinedReadModel v1 = accounts();
        ElasticsearchDefinedReadModel v2 = new ElasticsearchDefinedReadModel(client, namespace,
                program(definition("accounts", "accounts", 2), "hash-v2"));
        created.add(v2);
        EventLog log = ada();
        v1.projector().apply(new EventBatch(log.events(), log.head()));
        v2.projector().apply(new EventBatch(log.events().subList(0, 2), log.events().get(1).logPosition()));

        assertThat(v2.concreteIndex()).isEqualTo(namespace + "accounts-v2");
        assertThat(client.indices().getAlias(a -> a.name(v1.alias())).aliases()).containsOnlyKeys(v1.concreteIndex());
        assertThat(v1.document("account-1", 1).orElseThrow()).containsEntry("balance", new BigDecimal("50.30"));
        assertThat(v2.document("account-1", 1).orElseThrow()).containsEntry("balance", new BigDecimal("100.10"));
        assertThat(v1.probe().checkpoint()).isEqualTo(log.head());
        assertThat(v2.probe().checkpoint()).isEqualTo(log.events().get(1).logPosition());
        assertThat(v2.storedHash()).contains("hash-v2");
        assertThat(v1.storedHash()).contains("hash-1");
    }

    @Test
    void concurrentWritersOfOneKeyRetryOnConflictsAndCountEachEventOnce() throws Exception {
        ElasticsearchDefinedReadModel model = accounts();
        EventLog log = new EventLog();
        created(log, "account-1", "0", "EUR");
        created(log, "account-2", "0", "EUR");
        for (int i = 0; i < 25; i++) {
            deposit(log, "account-1", "0.01", "s");
            deposit(log, "account-2", "0.02", "s");
        }
        model.projector().apply(new EventBatch(log.events().subList(0, 2), log.events().get(1).logPosition()));
        // Two instances (as after a failover) each feed customer-ada from their stream, one event per batch.
        ElasticsearchDefinedReadModel other = new ElasticsearchDefinedReadModel(client, namespace, model.program());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<?>> writers = new ArrayList<>();
            for (ElasticsearchDefinedReadModel writer : List.of(model, other)) {
                String stream = writer == model ? "account-1" : "account-2";
                writers.add(pool.submit(() -> {
                    for (RecordedEvent event : log.events().subList(2, log.events().size())) {
                        if (event.streamId().equals(stream)) {
                            applyLikeALane(writer.projector(), new EventBatch(List.of(event), LogPosition.START,
                                    true));
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> writer : writers) {
                writer.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("elasticsearch defined read model: %d version conflicts retried by two concurrent writers%n",
                model.conflictRetries() + other.conflictRetries());
        assertThat(model.document("customer-ada", 1).orElseThrow())
                .containsEntry("balance", new BigDecimal("0.75")).containsEntry("deposits", 50L);
        assertThat(model.document("account-2", 1).orElseThrow()).containsEntry("balance", new BigDecimal("0.50"));
    }

    /** Retries transient failures (e.g. version conflicts that persisted) as the lane does. */
    private static void applyLikeALane(Projector projector, EventBatch batch) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                projector.apply(batch);
                return;
            } catch (Exception e) {
                if (attempt >= 20 || projector.classify(e) != FailureKind.TRANSIENT) {
                    throw e;
                }
            }
        }
    }

    @Test
    void aLargeBatchIsOneMgetAndOneBulk() throws Exception {
        ElasticsearchDefinedReadModel model = accounts();
        EventLog log = new EventLog();
        int accounts = 200;
        int depositsEach = 9;
        for (int a = 0; a < accounts; a++) {
            created(log, "acc-" + a, "0", "EUR");
        }
        for (int d = 0; d < depositsEach; d++) {
            for (int a = 0; a < accounts; a++) {
                deposit(log, "acc-" + a, "0.01", "s" + d);
            }
        }
        List<RecordedEvent> events = log.events();
        int half = accounts * 5;
        model.projector().apply(new EventBatch(List.of(), LogPosition.START)); // creates the indices
        long start = System.nanoTime();
        model.projector().apply(new EventBatch(events.subList(0, half), events.get(half - 1).logPosition()));
        long firstMillis = (System.nanoTime() - start) / 1_000_000;
        start = System.nanoTime();
        model.projector().apply(new EventBatch(events.subList(half, events.size()), log.head()));
        long secondMillis = (System.nanoTime() - start) / 1_000_000;
        start = System.nanoTime();
        model.projector().apply(new EventBatch(events, log.head()));
        long againMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("elasticsearch defined read model: %d events in %d ms (cold, new documents), %d events in"
                + " %d ms (warm, existing documents), all %d again (nothing to write) in %d ms%n",
                half, firstMillis, events.size() - half, secondMillis, events.size(), againMillis);

        assertThat(model.document("acc-7", 1).orElseThrow())
                .containsEntry("balance", new BigDecimal("0.09")).containsEntry("deposits", 9L);
        model.refresh();
        // One document fed by all 200 streams.
        assertThat(model.document("customer-many", 1).orElseThrow())
                .containsEntry("balance", new BigDecimal("18.00")).containsEntry("deposits", 1800L);
        assertThat(model.search(new SearchQuery(null, Map.of("deposits", "9"), null, false, 0, 1, null)).total())
                .isEqualTo(accounts);
        assertThat(firstMillis).isLessThan(10_000);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // A definition reading doc, the current document of the event's key

    /** Orders whose later events read the order's document; one "totals" document fed by every order. */
    private static final String ORDERS_READING_DOC = """
            name: order-status
            store: elasticsearch
            version: 1
            target: {index: orderstatus}
            fields:
              status: keyword
              previousStatus: keyword
              total: {type: decimal, scale: 2}
              refunded: {type: decimal, scale: 2}
              statusChanges: long
              changesSeen: long
              since: timestamp
              orders: long
              revenue: {type: decimal, scale: 2}
            on:
              OrderCreated:
                - set: {status: "'CREATED'", total: data.totalAmount, since: recordedAt, statusChanges: 0}
                - key: "'totals'"
                  increment: {orders: 1, revenue: data.totalAmount}
              OrderShipped:
                - set: {previousStatus: doc.status, status: "'SHIPPED'"}
                  increment: {statusChanges: 1}
              OrderCancelled:
                - set: {previousStatus: doc.status, status: "'CANCELLED'", refunded: doc.total,
                        changesSeen: doc.statusChanges}
                  increment: {statusChanges: 1}
                  when: "recordedAt > doc.since"
                - key: "'totals'"
                  decrement: {revenue: doc.total}
            """;

    private final List<RecordedEvent> orderEvents = new ArrayList<>();
    private final Map<String, Long> orderVersions = new HashMap<>();

    private RecordedEvent order(String type, String orderId, String data) {
        long position = orderEvents.size() + 1;
        RecordedEvent event = new RecordedEvent(position, 5000 + position, orderId, "order",
                orderVersions.merge(orderId, 1L, Long::sum), type, 1,
                tools.jackson.databind.json.JsonMapper.builder().build().readTree(data),
                io.projhub.core.eventstore.EventMetadata.EMPTY, Instant.parse("2026-12-01T10:00:00Z")
                .plusSeconds(position * 60));
        orderEvents.add(event);
        return event;
    }

    private ElasticsearchDefinedReadModel ordersReadingDoc() throws Exception {
        ReadModelProgram program = new io.projhub.definitions.DefinitionLoader().compile("doc.yaml",
                ORDERS_READING_DOC);
        assertThat(program.usesDocument()).isTrue();
        ElasticsearchDefinedReadModel model = new ElasticsearchDefinedReadModel(client, namespace, program);
        created.add(model);
        return model;
    }

    private static EventBatch batchOf(RecordedEvent... events) {
        return new EventBatch(List.of(events), events[events.length - 1].logPosition());
    }

    @Test
    void expressionsReadTheDocumentFoldedWithinABatchAndAcrossBatchesAndNothingMovesTwice() throws Exception {
        ElasticsearchDefinedReadModel model = ordersReadingDoc();
        Projector projector = model.projector();
        RecordedEvent created1 = order("OrderCreated", "order-1", "{\"totalAmount\": \"12.50\"}");
        RecordedEvent shipped1 = order("OrderShipped", "order-1", "{}");
        RecordedEvent cancelled1 = order("OrderCancelled", "order-1", "{}");
        RecordedEvent created2 = order("OrderCreated", "order-2", "{\"totalAmount\": \"5.00\"}");

        // (1) Creation and the later events in ONE batch: each reads the document after the ones before it.
        EventBatch first = batchOf(created1, shipped1, cancelled1, created2);
        projector.apply(first);
        assertThat(model.document("order-1", 1)).contains(map(
                "status", "CANCELLED",
                "previousStatus", "SHIPPED",
                "total", new BigDecimal("12.50"),
                "refunded", new BigDecimal("12.50"),
                "statusChanges", 2L,
                "changesSeen", 1L,
                "since", "2026-12-01T10:01:00Z"));
        assertThat(model.document("order-2", 1).orElseThrow()).containsEntry("status", "CREATED")
                .doesNotContainKey("previousStatus");
        assertThat(model.document("totals", 1)).contains(map("orders", 2L, "revenue", new BigDecimal("5.00")));

        // (2) In TWO batches: the later events read the document from the store (decimal and timestamp typed).
        RecordedEvent shipped2 = order("OrderShipped", "order-2", "{}");
        RecordedEvent cancelled2 = order("OrderCancelled", "order-2", "{}");
        EventBatch second = batchOf(shipped2);
        projector.apply(second);
        assertThat(model.document("order-2", 1).orElseThrow()).containsEntry("status", "SHIPPED")
                .containsEntry("previousStatus", "CREATED").containsEntry("statusChanges", 1L);
        // The already applied shipment comes again with the cancellation: it is not folded again (changesSeen 1).
        EventBatch third = batchOf(shipped2, cancelled2);
        projector.apply(third);
        assertThat(model.document("order-2", 1)).contains(map(
                "status", "CANCELLED",
                "previousStatus", "SHIPPED",
                "total", new BigDecimal("5.00"),
                "refunded", new BigDecimal("5.00"),
                "statusChanges", 2L,
                "changesSeen", 1L,
                "since", "2026-12-01T10:04:00Z"));
        assertThat(model.document("totals", 1)).contains(map("orders", 2L, "revenue", new BigDecimal("0.00")));
        assertThat(model.probe().checkpoint()).isEqualTo(cancelled2.logPosition());

        // (3) Every batch again, and a redelivery of all events: nothing is written, no total moves twice.
        var before = raw(model);
        projector.apply(first);
        projector.apply(second);
        projector.apply(third);
        projector.apply(new EventBatch(orderEvents, cancelled2.logPosition(), true));
        new ElasticsearchDefinedReadModel(client, namespace, model.program()).projector()
                .apply(new EventBatch(orderEvents, cancelled2.logPosition(), true));
        assertThat(raw(model)).isEqualTo(before);
        assertThat(model.document("totals", 1)).contains(map("orders", 2L, "revenue", new BigDecimal("0.00")));
        assertThat(model.document("order-1", 1).orElseThrow()).containsEntry("statusChanges", 2L)
                .containsEntry("previousStatus", "SHIPPED");

        // Rebuilt from the start by a fresh instance, one event per batch: every document read from the store.
        Map<String, Optional<Map<String, Object>>> documents = new TreeMap<>();
        for (String key : List.of("order-1", "order-2", "totals")) {
            documents.put(key, model.document(key, 1));
        }
        ElasticsearchDefinedReadModel rebuilt = new ElasticsearchDefinedReadModel(client, namespace, model.program());
        rebuilt.projector().reset();
        assertThat(rebuilt.document("order-1", 1)).isEmpty();
        for (RecordedEvent event : orderEvents) {
            rebuilt.projector().apply(batchOf(event));
        }
        for (String key : documents.keySet()) {
            assertThat(rebuilt.document(key, 1)).as(key).isEqualTo(documents.get(key));
        }
    }

    @Test
    void anExpressionFailingOnTheDocumentIsPermanentAndAStoreFailureReadingItTransient() throws Exception {
        ElasticsearchDefinedReadModel model = ordersReadingDoc();
        Projector projector = model.projector();
        RecordedEvent created5 = order("OrderCreated", "order-5", "{\"totalAmount\": \"1.00\"}");
        RecordedEvent shippedUnknown = order("OrderShipped", "order-9", "{}"); // no document: no doc.status

        assertThatThrownBy(() -> projector.apply(batchOf(created5, shippedUnknown)))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("doc.yaml")
                .satisfies(e -> assertThat(projector.classify(e)).isEqualTo(FailureKind.PERMANENT));
        assertThat(model.document("order-5", 1)).isEmpty(); // nothing of the batch is written
        assertThat(model.document("totals", 1)).isEmpty();
        projector.apply(batchOf(created5));
        assertThat(model.document("order-5", 1).orElseThrow()).containsEntry("status", "CREATED");

        // The index gone under a started writer: reading the documents fails, and that is the store's (transient).
        client.indices().delete(d -> d.index(model.concreteIndex()));
        RecordedEvent shipped5 = order("OrderShipped", "order-5", "{}");
        assertThatThrownBy(() -> projector.apply(batchOf(shipped5)))
                .satisfies(e -> assertThat(e).isNotInstanceOf(ChangeFailure.class))
                .satisfies(e -> assertThat(projector.classify(e)).isEqualTo(FailureKind.TRANSIENT));
    }

    @Test
    void twoWritersApplyingTheSameEventsReadingTheDocumentCountEachOnce() throws Exception {
        ElasticsearchDefinedReadModel model = ordersReadingDoc();
        int orders = 15;
        for (int o = 0; o < orders; o++) {
            order("OrderCreated", "order-" + o, "{\"totalAmount\": \"1.10\"}");
        }
        for (int o = 0; o < orders; o++) {
            order("OrderShipped", "order-" + o, "{}");
        }
        for (int o = 0; o < orders; o++) {
            order("OrderCancelled", "order-" + o, "{}");
        }
        model.projector().apply(new EventBatch(List.of(), LogPosition.START)); // creates the indices
        // Two instances (as after a failover) apply the same events, one per batch: conflicts on the documents the
        // changes were computed from make a writer compute them again from what the other wrote.
        ElasticsearchDefinedReadModel other = new ElasticsearchDefinedReadModel(client, namespace, model.program());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<?>> writers = new ArrayList<>();
            for (ElasticsearchDefinedReadModel writer : List.of(model, other)) {
                writers.add(pool.submit(() -> {
                    for (RecordedEvent event : orderEvents) {
                        applyLikeALane(writer.projector(), new EventBatch(List.of(event), LogPosition.START, true));
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> writer : writers) {
                writer.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("elasticsearch defined read model reading doc: %d version conflicts retried by two "
                + "writers of the same events%n", model.conflictRetries() + other.conflictRetries());
        assertThat(model.document("totals", 1)).contains(map("orders", (long) orders, "revenue",
                new BigDecimal("0.00")));
        for (int o = 0; o < orders; o++) {
            assertThat(model.document("order-" + o, 1).orElseThrow()).as("order-" + o)
                    .containsEntry("status", "CANCELLED").containsEntry("previousStatus", "SHIPPED")
                    .containsEntry("refunded", new BigDecimal("1.10"))
                    .containsEntry("statusChanges", 2L).containsEntry("changesSeen", 1L);
        }
    }
}
