package io.projhub.projectors.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.domain.account.MoneyDeposited;
import io.projhub.core.domain.account.MoneyWithdrawn;
import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.Projector;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.DefinitionLoader;
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
import io.projhub.definitions.changes.PointChange;
import io.projhub.definitions.changes.RelationshipChange;
import io.projhub.definitions.changes.RowChange;
import io.projhub.definitions.changes.SortedSetChange;
import io.projhub.projectors.testing.EventLog;
import io.projhub.projectors.testing.TestPrograms;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.executors.CommandExecutor;
import redis.clients.jedis.executors.DefaultCommandExecutor;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.providers.PooledConnectionProvider;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.JedisURIHelper;

@RealStores
class RedisDefinedReadModelTest {

    private static final Instant T0 = Instant.parse("2026-01-10T10:00:00Z");
    private static final EventTypeRegistry REGISTRY = DomainEventTypes.registry();

    private final JedisPooled redis;
    private final URI redisUrl;
    private final String namespace = "t" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final RedisKeys keys = new RedisKeys(namespace);
    private final EventLog log = new EventLog();
    /** account id -> customer id: the account documents' owner, and the key two account streams feed. */
    private final Map<String, String> owners = new HashMap<>();

    RedisDefinedReadModelTest(StoreEndpoints stores) {
        redis = RedisConnector.connect(stores.redisUrl());
        redisUrl = URI.create(stores.redisUrl());
    }

    @AfterEach
    void deleteTheNamespace() {
        try {
            for (String key : keysMatching(keys.pattern())) {
                redis.del(key);
            }
        } finally {
            redis.close();
        }
    }

    // ---- the read model under test ----

    private static final Map<String, FieldSpec> FIELDS = fields(
            FieldSpec.of("owner", FieldType.KEYWORD),
            FieldSpec.of("currency", FieldType.KEYWORD),
            FieldSpec.of("balance", FieldType.DECIMAL),
            FieldSpec.of("deposits", FieldType.LONG),
            FieldSpec.of("openedAt", FieldType.TIMESTAMP),
            new FieldSpec("tags", FieldType.SET, 2, FieldType.KEYWORD),
            new FieldSpec("amounts", FieldType.LIST, 2, FieldType.DECIMAL),
            FieldSpec.of("totalDeposited", FieldType.DECIMAL),
            FieldSpec.of("open", FieldType.BOOLEAN),
            FieldSpec.of("meta", FieldType.OBJECT));

    private static Map<String, FieldSpec> fields(FieldSpec... specs) {
        Map<String, FieldSpec> fields = new LinkedHashMap<>();
        for (FieldSpec spec : specs) {
            fields.put(spec.name(), spec);
        }
        return fields;
    }

    private static ReadModelDefinition definition(String name, String keyPrefix, int version) {
        return new ReadModelDefinition(name, StoreKind.REDIS, version, "accounts for a test",
                new Target(null, keyPrefix, null, null, null, null), FIELDS, name + ".yaml");
    }

    /**
     * AccountCreated: the account document (owner, currency, balance, openedAt, tags [open]), counter
     * {@code accounts} +1, sorted set {@code balances}. MoneyDeposited: balance, deposits, amounts, tags; the owner's
     * document {@code customer:<id>} (fed by all of the owner's accounts); counter {@code deposited}; balances.
     * MoneyWithdrawn: balance, tags, counter {@code withdrawn}, balances; a withdrawal for reason {@code close}
     * deletes the account's document and removes it from {@code balances}.
     */
    private ReadModelProgram accounts(String name, String keyPrefix, int version) {
        return TestPrograms.of(definition(name, keyPrefix, version), "hash-" + name + "-" + version, Map.of(
                "AccountCreated", event -> {
                    AccountCreated e = (AccountCreated) REGISTRY.toObject(event);
                    return List.of(
                            new DocumentChange(e.accountId(), List.of(
                                    new FieldOp.Set("owner", owners.get(e.accountId())),
                                    new FieldOp.Set("currency", e.currency()),
                                    new FieldOp.Set("balance", e.initialBalance()),
                                    new FieldOp.Set("openedAt", e.openedAt()),
                                    new FieldOp.Set("open", true),
                                    new FieldOp.Set("meta", Map.of("channel", "web", "limits",
                                            List.of(1L, new BigDecimal("2.50")))),
                                    new FieldOp.AddToSet("tags", "open"))),
                            new CounterChange("accounts", 1L, 0),
                            new SortedSetChange("balances", e.accountId(), e.initialBalance().doubleValue(), false,
                                    false));
                },
                "MoneyDeposited", event -> {
                    MoneyDeposited e = (MoneyDeposited) REGISTRY.toObject(event);
                    return List.of(
                            new DocumentChange(e.accountId(), List.of(
                                    new FieldOp.Increment("balance", e.amount()),
                                    new FieldOp.Increment("deposits", 1L),
                                    new FieldOp.Append("amounts", e.amount()),
                                    new FieldOp.AddToSet("tags", e.source()))),
                            new DocumentChange("customer:" + owners.get(e.accountId()), List.of(
                                    new FieldOp.Increment("totalDeposited", e.amount()),
                                    new FieldOp.Increment("deposits", 1L))),
                            new CounterChange("deposited", e.amount(), 2),
                            new SortedSetChange("balances", e.accountId(), e.amount().doubleValue(), true, false));
                },
                "MoneyWithdrawn", event -> {
                    MoneyWithdrawn e = (MoneyWithdrawn) REGISTRY.toObject(event);
                    if (e.reason().equals("close")) {
                        return List.of(new DeleteDocument(e.accountId()),
                                new SortedSetChange("balances", e.accountId(), 0, false, true));
                    }
                    return List.of(
                            new DocumentChange(e.accountId(), List.of(
                                    new FieldOp.Increment("balance", e.amount().negate()),
                                    new FieldOp.AddToSet("tags", e.reason()))),
                            new CounterChange("withdrawn", e.amount(), 2),
                            new SortedSetChange("balances", e.accountId(), -e.amount().doubleValue(), true, false));
                }));
    }

    private RedisDefinedReadModel model() {
        return new RedisDefinedReadModel(redis, namespace, accounts("accounts", "acct", 1));
    }

    // ---- events ----

    private RecordedEvent open(String account, String customer, String balance) {
        owners.put(account, customer);
        return log.append("account", account, new AccountCreated(account, new BigDecimal(balance), "EUR", T0));
    }

    private RecordedEvent deposit(String account, String amount, String source) {
        return log.append("account", account, new MoneyDeposited(account, new BigDecimal(amount), "EUR", source,
                BigDecimal.ZERO, T0.plusSeconds(10)));
    }

    private RecordedEvent withdraw(String account, String amount, String reason) {
        return log.append("account", account, new MoneyWithdrawn(account, new BigDecimal(amount), "EUR", reason,
                BigDecimal.ZERO, T0.plusSeconds(20)));
    }

    /** acct-1 and acct-2 of cust-1: 100.00 +50.00 -20.00; 10.00 +5.25. */
    private List<RecordedEvent> sample() {
        open("acct-1", "cust-1", "100.00");
        deposit("acct-1", "50.00", "salary");
        open("acct-2", "cust-1", "10.00");
        withdraw("acct-1", "20.00", "rent");
        deposit("acct-2", "5.25", "gift");
        return log.events();
    }

    // ---- tests ----

    @Test
    void aBatchWritesTypedDocumentsCountersAndASortedSetAndAppliedTwiceChangesNothing() throws Exception {
        RedisDefinedReadModel model = model();
        List<RecordedEvent> events = sample();
        EventBatch batch = new EventBatch(events, log.head());

        assertThat(model.applyCounting(batch)).isEqualTo(5);

        Map<String, Object> account = model.document("acct-1", 1).orElseThrow();
        assertThat(account).containsExactly(
                entry("owner", "cust-1"),
                entry("currency", "EUR"),
                entry("balance", new BigDecimal("130.00")),
                entry("deposits", 1L),
                entry("openedAt", "2026-01-10T10:00:00Z"),
                entry("tags", List.of("open", "salary", "rent")),
                entry("amounts", List.of(new BigDecimal("50.00"))),
                entry("open", true),
                entry("meta", Map.of("channel", "web", "limits", List.of(1L, new BigDecimal("2.50")))));
        assertThat(redis.hget(model.documentKey("acct-1"), "balance")).isEqualTo("130.00");
        assertThat(model.document("acct-2", 1).orElseThrow())
                .containsEntry("balance", new BigDecimal("15.25")).containsEntry("tags", List.of("open", "gift"));
        // two streams feed the owner's document
        assertThat(model.document("customer:cust-1", 1).orElseThrow()).containsExactly(
                entry("deposits", 2L), entry("totalDeposited", new BigDecimal("55.25")));
        assertThat(model.document("nobody", 1)).isEmpty();

        assertThat(model.counter("accounts")).contains(2L);
        assertThat(model.counter("deposited")).contains(new BigDecimal("55.25"));
        assertThat(model.counter("withdrawn")).contains(new BigDecimal("20.00"));
        assertThat(model.counter("never")).isEmpty();
        assertThat(model.counterContributions("deposited")).containsExactly(
                entry("acct-1", new BigDecimal("50.00")), entry("acct-2", new BigDecimal("5.25")));
        assertThat(model.sortedSet("balances", 10, true)).containsExactly(
                new RedisDefinedReadModel.ScoredMember("acct-1", 130.0),
                new RedisDefinedReadModel.ScoredMember("acct-2", 15.25));
        assertThat(model.sortedSet("balances", 1, false)).containsExactly(
                new RedisDefinedReadModel.ScoredMember("acct-2", 15.25));

        assertThat(model.projector().checkpoint()).isEqualTo(log.head());
        assertThat(model.probe().appliedVersion("acct-1")).isEqualTo(3);
        assertThat(model.probe().appliedVersion("acct-2")).isEqualTo(2);
        assertThat(model.probe().appliedVersion("acct-3")).isZero();
        assertThat(model.storedHash()).contains("hash-accounts-1");
        assertThat(model.projector().name()).isEqualTo("accounts");
        assertThat(model.probe().name()).isEqualTo("accounts");
        assertThat(model.projector().eventTypes())
                .containsExactlyInAnyOrder("AccountCreated", "MoneyDeposited", "MoneyWithdrawn");

        Map<String, Object> once = snapshot(model.keyPrefix());
        assertThat(once).containsOnlyKeys(model.documentKey("acct-1"), model.documentKey("acct-2"),
                model.documentKey("customer:cust-1"), model.counterKey("accounts"),
                model.counterByStreamKey("accounts"), model.counterKey("deposited"),
                model.counterByStreamKey("deposited"), model.counterKey("withdrawn"),
                model.counterByStreamKey("withdrawn"), model.sortedSetKey("balances"), model.versionsKey(),
                model.checkpointKey());

        assertThat(model.applyCounting(batch)).isZero();
        model.projector().apply(batch);
        assertThat(snapshot(model.keyPrefix())).isEqualTo(once);
    }

    @Test
    void aRedeliveryAppliesOnlyWhatIsMissingAndNeverMovesTheCheckpointBack() throws Exception {
        RedisDefinedReadModel model = model();
        List<RecordedEvent> events = sample();
        List<RecordedEvent> acct1 = events.stream().filter(e -> e.streamId().equals("acct-1")).toList();
        List<RecordedEvent> acct2 = events.stream().filter(e -> e.streamId().equals("acct-2")).toList();
        // acct-2's events were lost on the way: the lane's checkpoint passed them
        model.projector().apply(new EventBatch(acct1, log.head()));
        assertThat(model.counter("accounts")).contains(1L);
        Map<String, Object> before = snapshot(model.keyPrefix());

        // a redelivery of older events changes nothing and keeps the checkpoint
        model.projector().apply(new EventBatch(acct1.subList(0, 2), acct1.get(1).logPosition(), true));
        assertThat(snapshot(model.keyPrefix())).isEqualTo(before);
        assertThat(model.projector().checkpoint()).isEqualTo(log.head());

        // the monitor re-drives acct-2: applied although it lies before the checkpoint
        assertThat(model.applyCounting(new EventBatch(acct2, acct2.get(0).logPosition(), true))).isEqualTo(2);
        assertThat(model.projector().checkpoint()).isEqualTo(log.head());
        assertThat(model.counter("accounts")).contains(2L);
        assertThat(model.counter("deposited")).contains(new BigDecimal("55.25"));
        assertThat(model.document("customer:cust-1", 1).orElseThrow())
                .containsEntry("totalDeposited", new BigDecimal("55.25")).containsEntry("deposits", 2L);
        assertThat(model.probe().appliedVersion("acct-2")).isEqualTo(2);

        // and again: nothing counted twice
        Map<String, Object> after = snapshot(model.keyPrefix());
        model.projector().apply(new EventBatch(events, log.head(), true));
        assertThat(snapshot(model.keyPrefix())).isEqualTo(after);
    }

    @Test
    void decimalsAreAddedExactlyAtTheirScale() throws Exception {
        RedisDefinedReadModel model = model();
        open("small", "cust-9", "0.00");
        deposit("small", "0.10", "a");
        deposit("small", "0.20", "b");
        withdraw("small", "0.30", "c");
        deposit("small", "0.30", "d");
        open("big", "cust-9", "1000000000000.00");
        deposit("big", "0.01", "cents");
        // 10^17 - 0.01: 10^19 minor units, beyond 2^53 (doubles) and beyond 2^63 (longs)
        open("huge", "cust-8", "99999999999999999.99");
        deposit("huge", "0.01", "cent");
        open("negative", "cust-7", "0.05");
        withdraw("negative", "0.10", "overdraft");
        model.projector().apply(new EventBatch(log.events(), log.head()));

        assertThat(model.document("small", 1).orElseThrow().get("balance")).isEqualTo(new BigDecimal("0.30"));
        assertThat(model.document("small", 1).orElseThrow().get("amounts"))
                .isEqualTo(List.of(new BigDecimal("0.10"), new BigDecimal("0.20"), new BigDecimal("0.30")));
        assertThat(model.document("big", 1).orElseThrow().get("balance"))
                .isEqualTo(new BigDecimal("1000000000000.01"));
        assertThat(model.document("huge", 1).orElseThrow().get("balance"))
                .isEqualTo(new BigDecimal("100000000000000000.00"));
        assertThat(redis.hget(model.documentKey("huge"), "balance")).isEqualTo("100000000000000000.00");
        assertThat(redis.hget(model.documentKey("negative"), "balance")).isEqualTo("-0.05");
        assertThat(model.document("customer:cust-9", 1).orElseThrow().get("totalDeposited"))
                .isEqualTo(new BigDecimal("0.61"));
        assertThat(model.counter("deposited")).contains(new BigDecimal("0.62"));
        assertThat(model.counter("withdrawn")).contains(new BigDecimal("0.40"));
    }

    @Test
    void checkpointAndHashAreStoredAndReadBackThroughAFreshInstance() throws Exception {
        RedisDefinedReadModel model = model();
        assertThat(model.storedHash()).isEmpty();
        assertThat(model.projector().checkpoint()).isEqualTo(LogPosition.START);

        sample();
        model.projector().apply(new EventBatch(log.events(), log.head()));
        // a batch without events still moves the checkpoint
        LogPosition further = new LogPosition(log.head().txId() + 5, log.head().position() + 9);
        model.projector().apply(new EventBatch(List.of(), further));

        RedisDefinedReadModel fresh = model();
        assertThat(fresh.projector().checkpoint()).isEqualTo(further);
        assertThat(fresh.probe().checkpoint()).isEqualTo(further);
        assertThat(fresh.storedHash()).contains("hash-accounts-1");
        assertThat(redis.hgetAll(fresh.checkpointKey())).containsOnly(entry("txId", Long.toString(further.txId())),
                entry("position", Long.toString(further.position())), entry("hash", "hash-accounts-1"));

        // a batch never moves it back
        fresh.projector().apply(new EventBatch(List.of(), log.head()));
        assertThat(model.projector().checkpoint()).isEqualTo(further);

        // the recovery overwrite does, and keeps data, versions and hash
        Map<String, Object> data = snapshot(model.documentKey(""));
        fresh.projector().overwriteCheckpoint(new LogPosition(3, 4));
        assertThat(model.probe().checkpoint()).isEqualTo(new LogPosition(3, 4));
        assertThat(model.storedHash()).contains("hash-accounts-1");
        assertThat(model.probe().appliedVersion("acct-1")).isEqualTo(3);
        assertThat(snapshot(model.documentKey(""))).isEqualTo(data);

        // a program with another hash records it
        RedisDefinedReadModel changed = new RedisDefinedReadModel(redis, namespace,
                TestPrograms.of(definition("accounts", "acct", 1), "hash-changed", Map.of()));
        changed.projector().apply(new EventBatch(List.of(), further));
        assertThat(model.storedHash()).contains("hash-changed");
    }

    @Test
    void recordSkippedRaisesTheVersionWithoutApplyingAndNeverLowersIt() throws Exception {
        RedisDefinedReadModel model = model();
        RecordedEvent created = open("acct-9", "cust-9", "100.00");
        RecordedEvent first = deposit("acct-9", "1.00", "one");
        RecordedEvent second = deposit("acct-9", "2.00", "two");

        model.projector().recordSkipped("acct-9", 2);
        assertThat(model.probe().appliedVersion("acct-9")).isEqualTo(2);
        assertThat(model.document("acct-9", 1)).isEmpty();
        assertThat(model.counter("accounts")).isEmpty();

        assertThat(model.applyCounting(new EventBatch(List.of(created, first, second), log.head()))).isEqualTo(1);
        assertThat(model.document("acct-9", 1).orElseThrow()).containsExactly(
                entry("balance", new BigDecimal("2.00")), entry("deposits", 1L), entry("tags", List.of("two")),
                entry("amounts", List.of(new BigDecimal("2.00"))));
        assertThat(model.counter("accounts")).isEmpty();
        assertThat(model.counter("deposited")).contains(new BigDecimal("2.00"));

        model.projector().recordSkipped("acct-9", 1);
        assertThat(model.probe().appliedVersion("acct-9")).isEqualTo(3);
        model.projector().recordSkipped("acct-9", 7);
        model.projector().recordSkipped("acct-9", 7);
        assertThat(model.probe().appliedVersion("acct-9")).isEqualTo(7);
        assertThat(model.counter("deposited")).contains(new BigDecimal("2.00"));
    }

    @Test
    void resetAndDropRemoveOnlyThisReadModelsKeys() throws Exception {
        RedisDefinedReadModel model = model();
        // the next version of the same target, and a target whose prefix starts with the same letters
        RedisDefinedReadModel nextVersion = new RedisDefinedReadModel(redis, namespace, accounts("accounts", "acct", 2));
        RedisDefinedReadModel other = new RedisDefinedReadModel(redis, namespace, accounts("others", "acct_x", 1));
        RedisDefinedReadModel version10 = new RedisDefinedReadModel(redis, namespace, accounts("tenth", "acct", 10));
        List<RecordedEvent> events = sample();
        EventBatch batch = new EventBatch(events, log.head());
        for (RedisDefinedReadModel m : List.of(model, nextVersion, other, version10)) {
            m.projector().apply(batch);
        }
        Map<String, Object> ours = snapshot(model.keyPrefix());
        Map<String, Object> theirs = new TreeMap<>(snapshot(keys.prefix()));
        theirs.keySet().removeAll(ours.keySet());
        assertThat(theirs).isNotEmpty();
        redis.set(keys.prefix() + "unrelated", "stays");

        model.projector().reset();
        assertThat(keysMatching(model.keyPrefix() + "*")).isEmpty();
        assertThat(model.projector().checkpoint()).isEqualTo(LogPosition.START);
        assertThat(model.probe().appliedVersion("acct-1")).isZero();
        assertThat(model.storedHash()).isEmpty();
        assertThat(model.counter("deposited")).isEmpty();
        assertThat(snapshot(keys.prefix())).containsAllEntriesOf(theirs)
                .containsEntry(keys.prefix() + "unrelated", "stays");
        assertThat(nextVersion.counter("deposited")).contains(new BigDecimal("55.25"));

        // rebuilt from the start of the log: the same as before
        model.projector().apply(batch);
        assertThat(snapshot(model.keyPrefix())).isEqualTo(ours);

        model.drop();
        assertThat(keysMatching(model.keyPrefix() + "*")).isEmpty();
        assertThat(model.storedHash()).isEmpty();
        assertThat(snapshot(keys.prefix())).containsAllEntriesOf(theirs);
        assertThat(other.document("acct-1", 1)).isPresent();
    }

    @Test
    void deleteDocumentRemovesTheHashButKeepsTheVersionRecord() throws Exception {
        RedisDefinedReadModel model = model();
        sample();
        withdraw("acct-2", "0.00", "close");
        EventBatch batch = new EventBatch(log.events(), log.head());
        model.projector().apply(batch);

        assertThat(model.document("acct-2", 1)).isEmpty();
        assertThat(redis.exists(model.documentKey("acct-2"))).isFalse();
        assertThat(model.sortedSet("balances", 10, true)).extracting(RedisDefinedReadModel.ScoredMember::member)
                .containsExactly("acct-1");
        assertThat(model.probe().appliedVersion("acct-2")).isEqualTo(3);
        // a replay of the older events does not bring it back
        model.projector().apply(new EventBatch(log.events(), log.head(), true));
        assertThat(model.document("acct-2", 1)).isEmpty();
    }

    @Test
    void aSortedSetWithKeepHoldsOnlyItsHighestScoresAndAReplayTrimsTheSameWay() throws Exception {
        ReadModelProgram program = TestPrograms.of(definition("latest", "latest", 1), "h-keep", Map.of(
                "AccountCreated", event -> List.of(new SortedSetChange("latest", event.streamId(),
                        ((AccountCreated) REGISTRY.toObject(event)).initialBalance().doubleValue(), false, false, 3))));
        RedisDefinedReadModel model = new RedisDefinedReadModel(redis, namespace, program);
        EventLog events = new EventLog();
        for (int i = 1; i <= 6; i++) {
            events.append("account", "acct-" + i, new AccountCreated("acct-" + i, BigDecimal.valueOf(i), "EUR", T0));
        }
        model.projector().apply(new EventBatch(events.events(), events.head()));
        assertThat(model.sortedSet("latest", 10, true)).extracting(RedisDefinedReadModel.ScoredMember::member)
                .containsExactly("acct-6", "acct-5", "acct-4");

        model.projector().reset();
        for (RecordedEvent event : events.events()) { // one event per batch: trimmed after each add all the same
            model.projector().apply(new EventBatch(List.of(event), event.logPosition()));
        }
        assertThat(model.sortedSet("latest", 10, true)).extracting(RedisDefinedReadModel.ScoredMember::member)
                .containsExactly("acct-6", "acct-5", "acct-4");
    }

    @Test
    void changesRedisDoesNotSupportAreChangeFailuresOfTheirEvent() throws Exception {
        List<Change> unsupported = List.of(
                new RelationshipChange("acct-1", "OWNS", "Customer", "cust-1", Map.of(), Map.of(), false),
                new PointChange(Map.of("currency", "EUR"), Map.of("amount", 1L), T0),
                new RowChange("items", "acct-1", Map.of("id", 1L), Map.of(), false));
        for (Change change : unsupported) {
            String name = "bad" + change.getClass().getSimpleName();
            ReadModelProgram program = TestPrograms.of(definition(name, name, 1), "h", Map.of(
                    "AccountCreated", event -> List.of(new CounterChange("accounts", 1L, 0)),
                    "MoneyDeposited", event -> List.of(change)));
            RedisDefinedReadModel model = new RedisDefinedReadModel(redis, namespace, program);
            EventLog events = new EventLog();
            RecordedEvent created = events.append("account", "acct-1",
                    new AccountCreated("acct-1", BigDecimal.TEN, "EUR", T0));
            RecordedEvent deposited = events.append("account", "acct-1", new MoneyDeposited("acct-1", BigDecimal.ONE,
                    "EUR", "x", BigDecimal.TEN, T0));

            assertThatThrownBy(() -> model.projector().apply(new EventBatch(List.of(created, deposited),
                    events.head())))
                    .isInstanceOf(ChangeFailure.class)
                    .hasMessageContaining("acct-1@2")
                    .hasMessageContaining(change.getClass().getSimpleName())
                    .satisfies(e -> assertThat(model.projector().classify(e)).isEqualTo(FailureKind.PERMANENT));
            // the events before it are applied, it is not, and the checkpoint stays
            assertThat(model.counter("accounts")).contains(1L);
            assertThat(model.probe().appliedVersion("acct-1")).isEqualTo(1);
            assertThat(model.projector().checkpoint()).isEqualTo(LogPosition.START);
            // once skipped by an admin, its redelivery passes
            model.projector().recordSkipped("acct-1", 2);
            model.projector().apply(new EventBatch(List.of(created, deposited), events.head(), true));
            assertThat(model.projector().checkpoint()).isEqualTo(events.head());
        }
    }

    @Test
    void anEventThatFailsInTheStoreIsAppliedNotAtAllAndTheEventsBeforeItStay() throws Exception {
        Map<String, Function<RecordedEvent, List<Change>>> byType = Map.of(
                "AccountCreated", event -> List.of(new DocumentChange(event.streamId(), List.of(
                        new FieldOp.Set("balance", new BigDecimal("1.00")),
                        new FieldOp.Set("note", "not a number"),
                        new FieldOp.Set("deposits", Long.MAX_VALUE - 1)))),
                "MoneyDeposited", event -> List.of(
                        new CounterChange("deposited", new BigDecimal("1.00"), 2),
                        new DocumentChange(event.streamId(), List.of(
                                new FieldOp.Increment("balance", new BigDecimal("1.00")),
                                new FieldOp.Increment("note", 1L)))),
                "MoneyWithdrawn", event -> List.of(
                        new DocumentChange(event.streamId(), List.of(
                                new FieldOp.Increment("balance", new BigDecimal("-0.50")),
                                new FieldOp.Increment("deposits", 2L)))),
                "CustomerRegistered", event -> List.of(new DocumentChange(event.streamId(), List.of(
                        new FieldOp.Set("balance", new BigDecimal("1.005"))))));
        RedisDefinedReadModel model = new RedisDefinedReadModel(redis, namespace,
                TestPrograms.of(definition("failing", "failing", 1), "h", byType));
        RecordedEvent created = open("acct-1", "c", "1.00");
        RecordedEvent deposited = deposit("acct-1", "1.00", "x");

        // Lua refuses to add 1 to "not a number": the deposit's counter and balance are not written either
        assertThatThrownBy(() -> model.projector().apply(new EventBatch(List.of(created, deposited), log.head())))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("acct-1@2")
                .hasMessageContaining("not a number, not an integer");
        assertThat(model.document("acct-1", 1).orElseThrow()).containsEntry("balance", new BigDecimal("1.00"));
        assertThat(model.counter("deposited")).isEmpty();
        assertThat(model.probe().appliedVersion("acct-1")).isEqualTo(1);

        // a long that would overflow 64 bits
        model.projector().recordSkipped("acct-1", 2);
        RecordedEvent withdrawn = withdraw("acct-1", "0.50", "y");
        assertThatThrownBy(() -> model.projector().apply(new EventBatch(List.of(withdrawn), log.head())))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("overflow a 64-bit long");
        assertThat(model.document("acct-1", 1).orElseThrow()).containsEntry("balance", new BigDecimal("1.00"))
                .containsEntry("deposits", Long.MAX_VALUE - 1);

        // a decimal with more digits than its field's scale is refused before the store
        RecordedEvent registered = log.append("customer", "cust-1", new io.projhub.core.domain.customer
                .CustomerRegistered("cust-1", "Ada", "ada@example.org", T0));
        assertThatThrownBy(() -> model.projector().apply(new EventBatch(List.of(registered), log.head())))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("more decimals than the scale 2");
        assertThat(model.document("cust-1", 1)).isEmpty();

        // a key of the read model that holds another type (written by someone else) fails the event, not the lane
        RedisDefinedReadModel accounts = model();
        redis.set(accounts.sortedSetKey("balances"), "not a sorted set");
        RecordedEvent opened = open("acct-5", "c", "1.00");
        assertThatThrownBy(() -> accounts.projector().apply(new EventBatch(List.of(opened), log.head())))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("is a string, not a zset");
        assertThat(accounts.document("acct-5", 1)).isEmpty();
        assertThat(accounts.counter("accounts")).isEmpty();
        assertThat(accounts.probe().appliedVersion("acct-5")).isZero();
    }

    @Test
    void setsAndListsKeepAwkwardValuesAndRemoveEveryOccurrence() throws Exception {
        String awkward = "he said \"a, b]\" \\ [ok] {x}";
        Map<String, Function<RecordedEvent, List<Change>>> byType = Map.of(
                "AccountCreated", event -> List.of(new DocumentChange(event.streamId(), List.of(
                        new FieldOp.Set("tags", List.of("b", "a", "b")),
                        new FieldOp.AddToSet("tags", awkward),
                        new FieldOp.AddToSet("tags", awkward),
                        new FieldOp.AddToSet("tags", "a"),
                        new FieldOp.Append("amounts", new BigDecimal("1.5")),
                        new FieldOp.Append("amounts", 2L),
                        new FieldOp.Append("amounts", new BigDecimal("1.50")),
                        new FieldOp.Append("amounts", new BigDecimal("-3.25")),
                        new FieldOp.Append("history", Map.of("k", List.of("x,y", Map.of("z", "]")))),
                        new FieldOp.Append("history", "plain")))),
                "MoneyDeposited", event -> List.of(new DocumentChange(event.streamId(), List.of(
                        new FieldOp.Remove("tags", "a"),
                        new FieldOp.Remove("amounts", new BigDecimal("1.5")),
                        new FieldOp.Remove("history", "plain"),
                        new FieldOp.Remove("absent", "x"),
                        new FieldOp.Unset("currency")))));
        RedisDefinedReadModel model = new RedisDefinedReadModel(redis, namespace,
                TestPrograms.of(definition("lists", "lists", 1), "h", byType));
        RecordedEvent created = open("acct-1", "c", "1.00");
        model.projector().apply(new EventBatch(List.of(created), log.head()));
        Map<String, Object> document = model.document("acct-1", 1).orElseThrow();
        assertThat(document.get("tags")).isEqualTo(List.of("b", "a", awkward));
        assertThat(document.get("amounts")).isEqualTo(List.of(new BigDecimal("1.50"), new BigDecimal("2.00"),
                new BigDecimal("1.50"), new BigDecimal("-3.25")));
        assertThat(redis.hget(model.documentKey("acct-1"), "history"))
                .isEqualTo("[{\"k\":[\"x,y\",{\"z\":\"]\"}]},\"plain\"]");

        model.projector().apply(new EventBatch(List.of(deposit("acct-1", "1.00", "x")), log.head()));
        document = model.document("acct-1", 1).orElseThrow();
        assertThat(document.get("tags")).isEqualTo(List.of("b", awkward));
        assertThat(document.get("amounts")).isEqualTo(List.of(new BigDecimal("2.00"), new BigDecimal("-3.25")));
        assertThat(document.get("history")).isEqualTo("[{\"k\":[\"x,y\",{\"z\":\"]\"}]}]");
        assertThat(document.get("absent")).isEqualTo("[]");
    }

    @Test
    void aBatchOf500EventsIsOneRoundTrip() throws Exception {
        AtomicInteger commands = new AtomicInteger();
        HostAndPort server = new HostAndPort(redisUrl.getHost(), redisUrl.getPort());
        DefaultCommandExecutor executor = new DefaultCommandExecutor(new PooledConnectionProvider(server,
                DefaultJedisClientConfig.builder().database(JedisURIHelper.getDBIndex(redisUrl)).build()));
        try (UnifiedJedis counted = new UnifiedJedis(new CommandExecutor() {
            @Override
            public <T> T executeCommand(CommandObject<T> commandObject) {
                commands.incrementAndGet();
                return executor.executeCommand(commandObject);
            }

            @Override
            public void close() {
                executor.close();
            }
        })) {
            RedisDefinedReadModel model = new RedisDefinedReadModel(counted, namespace, accounts("accounts", "acct", 1));
            model.projector().apply(new EventBatch(List.of(), LogPosition.START)); // loads the script
            for (int i = 0; i < 100; i++) {
                String account = "acct-" + i;
                open(account, "cust-" + (i % 10), "100.00");
                deposit(account, "10.50", "salary");
                deposit(account, "0.25", "interest");
                withdraw(account, "3.10", "rent");
                deposit(account, "1.01", "refund");
            }
            EventBatch batch = new EventBatch(log.events(), log.head());
            assertThat(batch.events()).hasSize(500);

            commands.set(0);
            long started = System.nanoTime();
            assertThat(model.applyCounting(batch)).isEqualTo(500);
            long firstMicros = (System.nanoTime() - started) / 1000;
            assertThat(commands.get()).isEqualTo(1);

            commands.set(0);
            started = System.nanoTime();
            assertThat(model.applyCounting(batch)).isZero();
            long againMicros = (System.nanoTime() - started) / 1000;
            assertThat(commands.get()).isEqualTo(1);
            System.out.printf("RedisDefinedReadModel: 500 events in one EVALSHA: %d us; the same batch again: %d us%n",
                    firstMicros, againMicros);
            // warmed up: the same 500 events into fresh versions of the read model
            for (int round = 2; round <= 6; round++) {
                RedisDefinedReadModel fresh = new RedisDefinedReadModel(counted, namespace,
                        accounts("accounts", "acct", round));
                started = System.nanoTime();
                fresh.projector().apply(batch);
                long micros = (System.nanoTime() - started) / 1000;
                started = System.nanoTime();
                fresh.projector().apply(batch);
                System.out.printf("RedisDefinedReadModel: round %d: 500 events %d us, again %d us%n", round, micros,
                        (System.nanoTime() - started) / 1000);
            }

            assertThat(model.counter("deposited")).contains(new BigDecimal("1176.00"));
            assertThat(model.counter("withdrawn")).contains(new BigDecimal("310.00"));
            assertThat(model.document("acct-42", 1).orElseThrow().get("balance")).isEqualTo(new BigDecimal("108.66"));
            assertThat(model.document("customer:cust-3", 1).orElseThrow().get("totalDeposited"))
                    .isEqualTo(new BigDecimal("117.60"));
        }
    }

    @Test
    void aBigBatchGoesInChunksAndStillSetsTheCheckpointOnce() throws Exception {
        RedisDefinedReadModel model = model();
        for (int i = 0; i < RedisDefinedReadModel.CHUNK_EVENTS + 200; i++) {
            String account = "a" + (i % 300);
            if (i < 300) {
                open(account, "cust-" + (i % 7), "0.00");
            } else {
                deposit(account, "0.01", "s");
            }
        }
        assertThat(model.applyCounting(new EventBatch(log.events(), log.head())))
                .isEqualTo(RedisDefinedReadModel.CHUNK_EVENTS + 200);
        assertThat(model.counter("deposited")).contains(new BigDecimal("9.00"));
        assertThat(model.counter("accounts")).contains(300L);
        assertThat(model.projector().checkpoint()).isEqualTo(log.head());
    }

    @Test
    void definitionsAreCheckedAtConstruction() {
        assertThatThrownBy(() -> new RedisDefinedReadModel(redis, namespace, accounts("x", "bad-prefix", 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad-prefix");
        assertThatThrownBy(() -> new RedisDefinedReadModel(redis, namespace, accounts("x", "acct*", 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("acct*");
        ReadModelDefinition elastic = new ReadModelDefinition("x", StoreKind.ELASTICSEARCH, 1, "",
                new Target("idx", null, null, null, null, null), FIELDS, "x.yaml");
        assertThatThrownBy(() -> new RedisDefinedReadModel(redis, namespace,
                TestPrograms.of(elastic, "h", Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("elasticsearch");
        assertThatThrownBy(() -> new RedisDefinedReadModel(redis, "bad{namespace", accounts("x", "acct", 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(model().keyPrefix()).isEqualTo("{" + namespace + "projhub}:acct:v1:");
        assertThat(model().projector().classify(new redis.clients.jedis.exceptions.JedisConnectionException("down")))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(model().projector().classify(new redis.clients.jedis.exceptions.JedisDataException(
                "LOADING Redis is loading the dataset in memory"))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(model().projector().classify(new redis.clients.jedis.exceptions.JedisDataException(
                "ERR user_script:1: bad"))).isEqualTo(FailureKind.PERMANENT);
        Projector projector = model().projector();
        assertThat(projector.classify(new ChangeFailure("bad"))).isEqualTo(FailureKind.PERMANENT);
    }

    // ---- a definition that reads the document ----

    /**
     * Orders whose status counters move: each event takes its order out of the counter of the status the document
     * holds ({@code doc.status}) and puts it into its new one; a cancellation takes the order's total back from the
     * revenue of its currency ({@code doc.total}, {@code doc.currency}, only if recorded after {@code doc.since});
     * {@code steps} counts the order's events and {@code stepsBefore} keeps what the document held before.
     */
    private ReadModelProgram orderStatus(String keyPrefix) throws Exception {
        return new DefinitionLoader().compile("doc.yaml", """
                name: order-status-%s
                store: redis
                version: 1
                target: {keyPrefix: %s}
                fields:
                  status: keyword
                  previousStatus: keyword
                  total: {type: decimal, scale: 2}
                  currency: keyword
                  since: timestamp
                  steps: long
                  stepsBefore: long
                on:
                  OrderCreated:
                    - set: {status: "'CREATED'", total: data.totalAmount, currency: data.currency, since: recordedAt}
                      increment: {steps: 1}
                    - counter: {name: "'status-CREATED'", by: 1}
                    - counter: {name: "'revenue-' + data.currency", by: "decimal(data.totalAmount)", scale: 2}
                  OrderShipped:
                    - counter: {name: "'status-' + doc.status", by: -1}
                    - counter: {name: "'status-SHIPPED'", by: 1}
                    - set: {status: "'SHIPPED'", previousStatus: doc.status, stepsBefore: doc.steps}
                      increment: {steps: 1}
                  OrderCancelled:
                    - counter: {name: "'status-' + doc.status", by: -1}
                    - counter: {name: "'status-CANCELLED'", by: 1}
                    - counter: {name: "'revenue-' + doc.currency", by: "subtractDecimal(0, doc.total)", scale: 2}
                    - set: {status: "'CANCELLED'", previousStatus: doc.status, stepsBefore: doc.steps}
                      increment: {steps: 1}
                      when: "recordedAt > doc.since"
                """.formatted(keyPrefix, keyPrefix));
    }

    private final List<RecordedEvent> orderLog = new ArrayList<>();
    private final Map<String, Long> orderVersions = new HashMap<>();

    private RecordedEvent order(String orderId, String type, String json) {
        long version = orderVersions.merge(orderId, 1L, Long::sum);
        long position = orderLog.size() + 1;
        RecordedEvent event = new RecordedEvent(position, 2000 + position, orderId, "order", version, type, 1,
                RedisDefinedValues.JSON.readTree(json), EventMetadata.EMPTY, T0.plusSeconds(60 * position));
        orderLog.add(event);
        return event;
    }

    private RecordedEvent created(String orderId, String total, String currency) {
        return order(orderId, "OrderCreated", "{\"totalAmount\": \"" + total + "\", \"currency\": \"" + currency + "\"}");
    }

    private LogPosition orderHead() {
        return orderLog.get(orderLog.size() - 1).logPosition();
    }

    /** The counters of the order-status read model (absent ones left out). */
    private static Map<String, Number> statusCounters(RedisDefinedReadModel model) {
        Map<String, Number> counters = new TreeMap<>();
        for (String name : List.of("status-CREATED", "status-SHIPPED", "status-CANCELLED", "revenue-EUR",
                "revenue-USD")) {
            model.counter(name).ifPresent(total -> counters.put(name, total));
        }
        return counters;
    }

    /** The read model's keys and contents with its prefix cut off, without the checkpoint (it holds the hash). */
    private Map<String, Object> content(RedisDefinedReadModel model) {
        Map<String, Object> content = new TreeMap<>();
        snapshot(model.keyPrefix()).forEach((key, value) -> content.put(key.substring(model.keyPrefix().length()),
                value));
        content.remove("checkpoint");
        return content;
    }

    @Test
    void aProgramReadingTheDocumentFoldsItThroughOneBatchAndAppliedAgainChangesNothing() throws Exception {
        RedisDefinedReadModel model = new RedisDefinedReadModel(redis, namespace, orderStatus("ostatus"));
        assertThat(model.program().usesDocument()).isTrue();
        created("o-1", "12.50", "EUR");
        order("o-1", "OrderShipped", "{}");
        created("o-2", "5.00", "EUR");
        order("o-1", "OrderCancelled", "{}");
        created("o-3", "7.25", "USD");
        order("o-3", "OrderShipped", "{}");
        EventBatch batch = new EventBatch(orderLog, orderHead());

        // nothing of the batch is in Redis yet: every doc.* comes from the events before it in the batch
        assertThat(model.applyCounting(batch)).isEqualTo(6);
        assertThat(model.document("o-1", 1).orElseThrow()).containsExactly(
                entry("status", "CANCELLED"),
                entry("previousStatus", "SHIPPED"),
                entry("total", new BigDecimal("12.50")),
                entry("currency", "EUR"),
                entry("since", T0.plusSeconds(60).toString()),
                entry("steps", 3L),
                entry("stepsBefore", 2L));
        assertThat(model.document("o-3", 1).orElseThrow()).containsEntry("status", "SHIPPED")
                .containsEntry("previousStatus", "CREATED").containsEntry("stepsBefore", 1L);
        assertThat(statusCounters(model)).containsExactly(
                entry("revenue-EUR", new BigDecimal("5.00")),
                entry("revenue-USD", new BigDecimal("7.25")),
                entry("status-CANCELLED", 1L),
                entry("status-CREATED", 1L),
                entry("status-SHIPPED", 1L));
        assertThat(model.counterContributions("status-CREATED")).containsExactly(
                entry("o-1", 0L), entry("o-2", 1L), entry("o-3", 0L));
        assertThat(model.projector().checkpoint()).isEqualTo(orderHead());

        // the same batch again, and redelivered: nothing is folded, nothing moves
        Map<String, Object> once = snapshot(model.keyPrefix());
        assertThat(model.applyCounting(batch)).isZero();
        model.projector().apply(new EventBatch(orderLog, orderHead(), true));
        assertThat(snapshot(model.keyPrefix())).isEqualTo(once);
    }

    @Test
    void aProgramReadingTheDocumentReadsItFromRedisAcrossBatchesAndFoldsOnlyTheEventsItApplies() throws Exception {
        RedisDefinedReadModel oneBatch = new RedisDefinedReadModel(redis, namespace, orderStatus("oone"));
        RedisDefinedReadModel inBatches = new RedisDefinedReadModel(redis, namespace, orderStatus("obatches"));
        List<RecordedEvent> first = List.of(created("o-1", "12.50", "EUR"), created("o-2", "3.10", "EUR"));
        List<RecordedEvent> second = List.of(order("o-1", "OrderShipped", "{}"));
        List<RecordedEvent> third = List.of(order("o-1", "OrderCancelled", "{}"),
                order("o-2", "OrderCancelled", "{}"));

        inBatches.projector().apply(new EventBatch(first, first.get(1).logPosition()));
        inBatches.projector().apply(new EventBatch(second, second.get(0).logPosition()));
        // doc.status, doc.total (a decimal), doc.currency and doc.since (an ISO timestamp) read back from the hashes
        assertThat(inBatches.applyCounting(new EventBatch(third, orderHead()))).isEqualTo(2);
        assertThat(inBatches.document("o-1", 1).orElseThrow()).containsEntry("status", "CANCELLED")
                .containsEntry("previousStatus", "SHIPPED").containsEntry("steps", 3L)
                .containsEntry("stepsBefore", 2L);
        assertThat(inBatches.document("o-2", 1).orElseThrow()).containsEntry("status", "CANCELLED")
                .containsEntry("previousStatus", "CREATED").containsEntry("stepsBefore", 1L);
        assertThat(statusCounters(inBatches)).containsExactly(
                entry("revenue-EUR", new BigDecimal("0.00")),
                entry("status-CANCELLED", 2L),
                entry("status-CREATED", 0L),
                entry("status-SHIPPED", 0L));

        // the same as all in one batch
        oneBatch.projector().apply(new EventBatch(orderLog, orderHead()));
        assertThat(content(inBatches)).isEqualTo(content(oneBatch));

        // a redelivery of everything, in one batch or again batch by batch, changes nothing
        Map<String, Object> after = snapshot(inBatches.keyPrefix());
        assertThat(inBatches.applyCounting(new EventBatch(orderLog, orderHead(), true))).isZero();
        inBatches.projector().apply(new EventBatch(second, second.get(0).logPosition(), true));
        inBatches.projector().apply(new EventBatch(third, orderHead(), true));
        assertThat(snapshot(inBatches.keyPrefix())).isEqualTo(after);

        // a batch whose first events are applied already: they are skipped and not folded, so the new event sees
        // the document as Redis holds it (steps 1), not with the creation counted twice
        RecordedEvent created = created("o-4", "1.00", "USD");
        inBatches.projector().apply(new EventBatch(List.of(created), orderHead()));
        RecordedEvent shipped = order("o-4", "OrderShipped", "{}");
        assertThat(inBatches.applyCounting(new EventBatch(List.of(created, shipped), orderHead(), true)))
                .isEqualTo(1);
        assertThat(inBatches.document("o-4", 1).orElseThrow()).containsEntry("steps", 2L)
                .containsEntry("stepsBefore", 1L).containsEntry("previousStatus", "CREATED");
        assertThat(inBatches.counter("status-SHIPPED")).contains(1L);
        assertThat(inBatches.counter("status-CREATED")).contains(0L);
        assertThat(inBatches.probe().appliedVersion("o-4")).isEqualTo(2);
    }

    @Test
    void aProgramReadingTheDocumentFailsOnlyTheEventAnExpressionFailsOnAndARedisFailureStaysTransient()
            throws Exception {
        RedisDefinedReadModel model = new RedisDefinedReadModel(redis, namespace, orderStatus("ofail"));
        RecordedEvent first = created("o-1", "2.00", "EUR");
        RecordedEvent orphan = order("o-9", "OrderShipped", "{}"); // no document: doc.status fails
        RecordedEvent after = created("o-2", "3.00", "EUR");
        EventBatch batch = new EventBatch(List.of(first, orphan, after), orderHead());

        assertThatThrownBy(() -> model.projector().apply(batch))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("o-9@1")
                .hasMessageContaining("OrderShipped")
                .satisfies(e -> assertThat(model.projector().classify(e)).isEqualTo(FailureKind.PERMANENT));
        // the event before it is applied, it and the one after it are not, and the checkpoint stays
        assertThat(model.document("o-1", 1)).isPresent();
        assertThat(model.document("o-2", 1)).isEmpty();
        assertThat(model.counter("status-CREATED")).contains(1L);
        assertThat(model.probe().appliedVersion("o-9")).isZero();
        assertThat(model.projector().checkpoint()).isEqualTo(LogPosition.START);

        // once skipped by an admin, the redelivery applies the rest, and o-1 only once
        model.projector().recordSkipped("o-9", 1);
        assertThat(model.applyCounting(new EventBatch(batch.events(), orderHead(), true))).isEqualTo(1);
        assertThat(model.counter("status-CREATED")).contains(2L);
        assertThat(model.counter("revenue-EUR")).contains(new BigDecimal("5.00"));
        assertThat(model.projector().checkpoint()).isEqualTo(orderHead());

        // Redis unreachable while reading the documents: the store's failure, transient, not the event's
        try (JedisPooled unreachable = new JedisPooled("127.0.0.1", 1)) {
            RedisDefinedReadModel down = new RedisDefinedReadModel(unreachable, namespace, orderStatus("ofail"));
            assertThatThrownBy(() -> down.projector().apply(new EventBatch(List.of(created("o-3", "1.00", "EUR")),
                    orderHead())))
                    .isNotInstanceOf(ChangeFailure.class)
                    .satisfies(e -> assertThat(down.projector().classify(e)).isEqualTo(FailureKind.TRANSIENT));
        }
    }

    // ---- helpers ----

    private List<String> keysMatching(String pattern) {
        List<String> found = new ArrayList<>();
        ScanParams params = new ScanParams().match(pattern).count(1000);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, params);
            found.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return found;
    }

    /** Every key under {@code prefix} with its content. */
    private Map<String, Object> snapshot(String prefix) {
        Map<String, Object> all = new TreeMap<>();
        for (String key : keysMatching(prefix + "*")) {
            Object value = switch (redis.type(key)) {
                case "hash" -> new TreeMap<>(redis.hgetAll(key));
                case "zset" -> redis.zrangeWithScores(key, 0, -1).stream()
                        .map(t -> t.getElement() + "=" + t.getScore()).toList();
                case "string" -> redis.get(key);
                default -> throw new AssertionError("unexpected type of " + key);
            };
            all.put(key, value);
        }
        return all;
    }
}
