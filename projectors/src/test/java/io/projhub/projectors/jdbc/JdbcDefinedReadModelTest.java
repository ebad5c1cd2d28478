package io.projhub.projectors.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.domain.account.MoneyDeposited;
import io.projhub.core.domain.account.MoneyWithdrawn;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.ChildTable;
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
import io.projhub.definitions.changes.RowChange;
import io.projhub.projectors.jdbc.JdbcDefinedReadModel.RowsQuery;
import io.projhub.projectors.jdbc.JdbcDefinedReadModel.RowsResult;
import io.projhub.projectors.testing.EventLog;
import io.projhub.projectors.testing.TestPrograms;
import io.projhub.testsupport.ForwardingDataSource;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.JsonNode;

@RealStores
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcDefinedReadModelTest {

    private static final Instant T0 = Instant.parse("2026-01-10T12:00:00Z");

    private HikariDataSource dataSource;
    private String schema;

    @BeforeAll
    void connect(StoreEndpoints stores) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(stores.postgresUrl());
        config.setUsername(stores.postgresUser());
        config.setPassword(stores.postgresPassword());
        config.setMaximumPoolSize(4);
        dataSource = new HikariDataSource(config);
        schema = "defined_test_" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterAll
    void dropSchema() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("drop schema if exists " + schema + " cascade");
        }
        dataSource.close();
    }

    // ---- the programs: accounts (one row per account, movements as child rows) and totals per currency ----

    private static FieldSpec field(String name, FieldType type) {
        return FieldSpec.of(name, type);
    }

    private static FieldSpec collection(String name, FieldType type, FieldType of) {
        return new FieldSpec(name, type, FieldSpec.DEFAULT_SCALE, of);
    }

    private static Map<String, FieldSpec> fields(FieldSpec... specs) {
        Map<String, FieldSpec> fields = new LinkedHashMap<>();
        for (FieldSpec spec : specs) {
            fields.put(spec.name(), spec);
        }
        return fields;
    }

    private static ReadModelDefinition definition(String name, String table, int version,
                                                  Map<String, FieldSpec> fields, Map<String, ChildTable> tables) {
        return new ReadModelDefinition(name, StoreKind.POSTGRES, version, "test", new Target(null, null, null, null,
                table, tables), fields, name + ".yaml");
    }

    private static String text(RecordedEvent e, String field) {
        return e.data().get(field).asString();
    }

    private static BigDecimal amount(RecordedEvent e, String field) {
        JsonNode n = e.data().get(field);
        return (n.isNumber() ? n.decimalValue() : new BigDecimal(n.asString())).setScale(2);
    }

    /** Accounts: AccountCreated sets owner/currency/balance; deposits and withdrawals change it and add movements. */
    private static ReadModelProgram accounts(String name, String table, int version) {
        Map<String, ChildTable> tables = Map.of("movements", new ChildTable("movements", List.of("seq"),
                fields(field("seq", FieldType.LONG), field("amount", FieldType.DECIMAL),
                        field("kind", FieldType.KEYWORD), field("at", FieldType.TIMESTAMP))));
        ReadModelDefinition definition = definition(name, table, version, fields(
                field("owner", FieldType.KEYWORD), field("currency", FieldType.KEYWORD),
                field("balance", FieldType.DECIMAL), field("deposits", FieldType.LONG),
                field("withdrawals", FieldType.LONG), collection("sources", FieldType.SET, FieldType.KEYWORD),
                collection("reasons", FieldType.LIST, FieldType.KEYWORD),
                collection("amounts", FieldType.LIST, FieldType.DECIMAL), field("openedAt", FieldType.TIMESTAMP),
                field("lastAmount", FieldType.DOUBLE), field("active", FieldType.BOOLEAN),
                field("meta", FieldType.OBJECT), field("note", FieldType.TEXT)), tables);
        Map<String, Function<RecordedEvent, List<Change>>> byType = new LinkedHashMap<>();
        byType.put("AccountCreated", e -> {
            String id = text(e, "accountId");
            return List.of(new DocumentChange(id, List.of(
                    new FieldOp.Set("owner", id.substring(0, id.indexOf('-'))),
                    new FieldOp.Set("currency", text(e, "currency")),
                    new FieldOp.Set("balance", amount(e, "initialBalance")),
                    new FieldOp.Set("openedAt", Instant.parse(text(e, "openedAt"))),
                    new FieldOp.Set("active", true),
                    new FieldOp.Set("meta", Map.of("createdBy", "test", "limits", List.of(1L, new BigDecimal("2.50")))),
                    new FieldOp.Set("note", "opened"))));
        });
        byType.put("MoneyDeposited", e -> {
            String id = text(e, "accountId");
            BigDecimal amount = amount(e, "amount");
            return List.of(new DocumentChange(id, List.of(
                            new FieldOp.Increment("balance", amount),
                            new FieldOp.Increment("deposits", 1L),
                            new FieldOp.AddToSet("sources", text(e, "source")),
                            new FieldOp.Append("amounts", amount),
                            new FieldOp.Set("lastAmount", amount.doubleValue()))),
                    new RowChange("movements", id, Map.of("seq", e.version()),
                            Map.of("amount", amount, "kind", "deposit", "at", e.recordedAt()), false));
        });
        byType.put("MoneyWithdrawn", e -> {
            String id = text(e, "accountId");
            String reason = text(e, "reason");
            if (reason.equals("close")) {
                return List.of(new DeleteDocument(id));
            }
            if (reason.equals("fail")) {
                throw new IllegalStateException("the definition fails on this event");
            }
            if (reason.startsWith("forget:")) {
                return List.of(new DocumentChange(id, List.of(
                                new FieldOp.Remove("sources", reason.substring("forget:".length())),
                                new FieldOp.Unset("note"))),
                        new RowChange("movements", id, Map.of("seq", 2L), Map.of(), true));
            }
            BigDecimal amount = amount(e, "amount");
            return List.of(new DocumentChange(id, List.of(
                            new FieldOp.Increment("balance", amount.negate()),
                            new FieldOp.Increment("withdrawals", 1L),
                            new FieldOp.Append("reasons", reason),
                            new FieldOp.Set("lastAmount", amount.negate().doubleValue()))),
                    new RowChange("movements", id, Map.of("seq", e.version()),
                            Map.of("amount", amount.negate(), "kind", "withdrawal"), false));
        });
        return TestPrograms.of(definition, "hash-" + name + "-" + version, byType);
    }

    /** Totals per currency: every account's deposits feed the key of their currency. */
    private static ReadModelProgram totals(String name, String table) {
        ReadModelDefinition definition = definition(name, table, 1, fields(
                field("deposited", FieldType.DECIMAL), field("deposits", FieldType.LONG),
                collection("accounts", FieldType.SET, FieldType.KEYWORD)), Map.of());
        return TestPrograms.of(definition, "hash-" + name, Map.of("MoneyDeposited", e -> List.of(
                new DocumentChange(text(e, "currency"), List.of(
                        new FieldOp.Increment("deposited", amount(e, "amount")),
                        new FieldOp.Increment("deposits", 1L),
                        new FieldOp.AddToSet("accounts", text(e, "accountId")))))));
    }

    private static String unique(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().substring(0, 6);
    }

    private JdbcDefinedReadModel accountsModel() throws SQLException {
        String name = unique("accounts");
        return new JdbcDefinedReadModel(dataSource, schema, accounts(name, name, 1));
    }

    private static String account(String owner) {
        return owner + "-" + UUID.randomUUID();
    }

    private static MoneyDeposited deposit(String account, String amount, String source) {
        return new MoneyDeposited(account, new BigDecimal(amount), "EUR", source, BigDecimal.ZERO, T0);
    }

    private static MoneyWithdrawn withdrawal(String account, String amount, String reason) {
        return new MoneyWithdrawn(account, new BigDecimal(amount), "EUR", reason, BigDecimal.ZERO, T0);
    }

    private static EventBatch batch(List<RecordedEvent> events) {
        return new EventBatch(events, events.get(events.size() - 1).logPosition());
    }

    private static BigDecimal dec(String value) {
        return new BigDecimal(value);
    }

    // ---- tests ----

    @Test
    void aBatchGivesTheDocumentsItsEventsImplyAndTheSameBatchAgainChangesNothing() throws Exception {
        JdbcDefinedReadModel model = accountsModel();
        EventLog log = new EventLog();
        String ada = account("ada");
        log.append("account", ada, new AccountCreated(ada, dec("100.00"), "EUR", T0));
        log.append("account", ada, deposit(ada, "50.00", "salary"));
        log.append("account", ada, deposit(ada, "0.10", "gift"));
        log.append("account", ada, deposit(ada, "0.20", "salary"));
        log.append("account", ada, withdrawal(ada, "30.25", "rent"));
        EventBatch batch = batch(log.events());

        model.projector().apply(batch);
        Map<String, Object> document = model.document(ada, 1).orElseThrow();
        assertThat(document).containsEntry("owner", "ada").containsEntry("currency", "EUR")
                .containsEntry("balance", dec("120.05")).containsEntry("deposits", 3L)
                .containsEntry("withdrawals", 1L).containsEntry("sources", List.of("salary", "gift"))
                .containsEntry("reasons", List.of("rent"))
                .containsEntry("amounts", List.of(dec("50.00"), dec("0.10"), dec("0.20")))
                .containsEntry("openedAt", T0.toString()).containsEntry("lastAmount", -30.25)
                .containsEntry("active", true).containsEntry("note", "opened")
                .containsEntry("meta", Map.of("createdBy", "test", "limits", List.of(1L, dec("2.50"))));
        assertThat(((BigDecimal) document.get("balance")).scale()).isEqualTo(2);
        assertThat(document).doesNotContainKey("key");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> movements = (List<Map<String, Object>>) document.get("movements");
        assertThat(movements).extracting(m -> m.get("seq")).containsExactly(2L, 3L, 4L, 5L);
        assertThat(movements).extracting(m -> m.get("amount"))
                .containsExactly(dec("50.00"), dec("0.10"), dec("0.20"), dec("-30.25"));
        assertThat(movements.get(0)).containsEntry("kind", "deposit")
                .containsEntry("at", log.events().get(1).recordedAt().toString());
        assertThat(movements.get(3)).containsEntry("kind", "withdrawal").doesNotContainKey("at");
        assertThat(model.projector().checkpoint()).isEqualTo(log.head());
        assertThat(model.probe().appliedVersion(ada)).isEqualTo(5);

        model.projector().apply(batch);
        assertThat(model.document(ada, 1)).contains(document);
        assertThat(model.projector().checkpoint()).isEqualTo(log.head());

        // a second batch works on the stored row: increments, set and list operations run in SQL
        log.append("account", ada, deposit(ada, "1.00", "gift"));
        log.append("account", ada, withdrawal(ada, "0", "forget:salary"));
        List<RecordedEvent> second = log.events().subList(5, 7);
        model.projector().apply(batch(second));
        model.projector().apply(batch(second));
        Map<String, Object> after = model.document(ada, 1).orElseThrow();
        assertThat(after).containsEntry("balance", dec("121.05")).containsEntry("deposits", 4L)
                .containsEntry("sources", List.of("gift")).doesNotContainKey("note")
                .containsEntry("amounts", List.of(dec("50.00"), dec("0.10"), dec("0.20"), dec("1.00")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> movementsAfter = (List<Map<String, Object>>) after.get("movements");
        assertThat(movementsAfter).extracting(m -> m.get("seq")).containsExactly(3L, 4L, 5L, 6L);
        assertThat(model.probe().appliedVersion(ada)).isEqualTo(7);
        assertThat(model.document("nobody", 1)).isEmpty();
    }

    @Test
    void aRedeliveryAppliesOnlyWhatIsNewAndNeverMovesTheCheckpointBack() throws Exception {
        JdbcDefinedReadModel model = accountsModel();
        EventLog log = new EventLog();
        String bob = account("bob");
        log.append("account", bob, new AccountCreated(bob, dec("10.00"), "EUR", T0));
        log.append("account", bob, deposit(bob, "5.00", "salary"));
        log.append("account", bob, deposit(bob, "7.00", "salary"));
        List<RecordedEvent> events = log.events();
        // the lane advanced past the third event (say, it was dead-lettered) and reached the head
        model.projector().apply(new EventBatch(events.subList(0, 2), log.head()));
        assertThat(model.document(bob, 1).orElseThrow()).containsEntry("balance", dec("15.00"));

        // the monitor re-drives the stream: two events already applied, one new; the checkpoint given is older
        LogPosition older = events.get(0).logPosition();
        model.projector().apply(new EventBatch(events, older, true));
        assertThat(model.document(bob, 1).orElseThrow()).containsEntry("balance", dec("22.00"))
                .containsEntry("deposits", 2L);
        assertThat(model.projector().checkpoint()).isEqualTo(log.head());
        assertThat(model.probe().appliedVersion(bob)).isEqualTo(3);

        // older events again: nothing changes, the checkpoint stays
        model.projector().apply(new EventBatch(events.subList(1, 3), older, true));
        assertThat(model.document(bob, 1).orElseThrow()).containsEntry("balance", dec("22.00"))
                .containsEntry("deposits", 2L);
        assertThat(model.probe().checkpoint()).isEqualTo(log.head());
    }

    @Test
    void twoStreamsFeedingOneKeyBothCountAndDecimalsStayExact() throws Exception {
        String name = unique("totals");
        JdbcDefinedReadModel totals = new JdbcDefinedReadModel(dataSource, schema, totals(name, name));
        EventLog log = new EventLog();
        String a = account("ann");
        String b = account("ben");
        log.append("account", a, deposit(a, "0.10", "x"));
        log.append("account", b, deposit(b, "0.20", "x"));
        log.append("account", a, deposit(a, "1000000000000.00", "x"));
        log.append("account", b, deposit(b, "0.01", "x"));
        totals.projector().apply(batch(log.events().subList(0, 2)));
        assertThat(totals.document("EUR", 1).orElseThrow()).containsEntry("deposited", dec("0.30"))
                .containsEntry("deposits", 2L).containsEntry("accounts", List.of(a, b));

        totals.projector().apply(batch(log.events()));
        totals.projector().apply(batch(log.events()));
        Map<String, Object> eur = totals.document("EUR", 1).orElseThrow();
        assertThat(eur.get("deposited")).isEqualTo(dec("1000000000000.31"));
        assertThat(eur).containsEntry("deposits", 4L).containsEntry("accounts", List.of(a, b));
        assertThat(totals.probe().appliedVersion(a)).isEqualTo(2);
        assertThat(totals.probe().appliedVersion(b)).isEqualTo(2);
    }

    @Test
    void checkpointAndHashAreStoredAndReadBackByAFreshInstance() throws Exception {
        String name = unique("accounts");
        JdbcDefinedReadModel model = new JdbcDefinedReadModel(dataSource, schema, accounts(name, name, 1));
        assertThat(model.storedHash()).isEmpty();
        assertThat(model.projector().checkpoint()).isEqualTo(LogPosition.START);
        assertThat(model.projector().name()).isEqualTo(name);
        assertThat(model.probe().name()).isEqualTo(name);
        assertThat(model.projector().eventTypes())
                .containsExactlyInAnyOrder("AccountCreated", "MoneyDeposited", "MoneyWithdrawn");

        model.projector().apply(new EventBatch(List.of(), new LogPosition(42, 84)));
        JdbcDefinedReadModel fresh = new JdbcDefinedReadModel(dataSource, schema, accounts(name, name, 1));
        assertThat(fresh.storedHash()).contains("hash-" + name + "-1");
        assertThat(fresh.projector().checkpoint()).isEqualTo(new LogPosition(42, 84));
        assertThat(fresh.probe().checkpoint()).isEqualTo(new LogPosition(42, 84));

        fresh.projector().overwriteCheckpoint(new LogPosition(7, 9));
        assertThat(model.projector().checkpoint()).isEqualTo(new LogPosition(7, 9));
        assertThat(model.storedHash()).contains("hash-" + name + "-1");

        // version 2 of the same definition lives beside version 1, with its own tables and checkpoint
        JdbcDefinedReadModel v2 = new JdbcDefinedReadModel(dataSource, schema, accounts(name, name, 2));
        assertThat(v2.tableName()).isEqualTo(name + "_v2");
        assertThat(model.tableName()).isEqualTo(name + "_v1");
        assertThat(v2.projector().checkpoint()).isEqualTo(LogPosition.START);
        assertThat(v2.storedHash()).isEmpty();
        v2.drop();
        assertThat(model.projector().checkpoint()).isEqualTo(new LogPosition(7, 9));
    }

    @Test
    void recordSkippedRaisesTheVersionWithoutApplyingAndNeverLowersIt() throws Exception {
        JdbcDefinedReadModel model = accountsModel();
        EventLog log = new EventLog();
        String cy = account("cy");
        log.append("account", cy, new AccountCreated(cy, dec("1.00"), "EUR", T0));
        log.append("account", cy, deposit(cy, "2.00", "salary"));
        log.append("account", cy, deposit(cy, "4.00", "salary"));

        model.projector().recordSkipped(cy, 2);
        assertThat(model.probe().appliedVersion(cy)).isEqualTo(2);
        assertThat(model.document(cy, 1)).isEmpty();
        model.projector().apply(batch(log.events()));
        Map<String, Object> document = model.document(cy, 1).orElseThrow();
        assertThat(document).containsEntry("balance", dec("4.00")).containsEntry("deposits", 1L)
                .doesNotContainKey("owner");
        assertThat(model.probe().appliedVersion(cy)).isEqualTo(3);

        model.projector().recordSkipped(cy, 1);
        model.projector().recordSkipped(cy, 3);
        assertThat(model.probe().appliedVersion(cy)).isEqualTo(3);
        assertThat(model.document(cy, 1)).contains(document);
        assertThat(model.probe().appliedVersion("account-never-seen")).isZero();
    }

    @Test
    void resetRemovesOnlyThisReadModelsDataAndDropRemovesItsTables() throws Exception {
        JdbcDefinedReadModel model = accountsModel();
        String totalsName = unique("totals");
        JdbcDefinedReadModel other = new JdbcDefinedReadModel(dataSource, schema, totals(totalsName, totalsName));
        EventLog log = new EventLog();
        String dee = account("dee");
        log.append("account", dee, new AccountCreated(dee, dec("1.00"), "EUR", T0));
        log.append("account", dee, deposit(dee, "2.00", "salary"));
        EventBatch batch = batch(log.events());
        model.projector().apply(batch);
        other.projector().apply(batch);

        model.projector().reset();
        assertThat(model.document(dee, 1)).isEmpty();
        assertThat(model.probe().appliedVersion(dee)).isZero();
        assertThat(model.projector().checkpoint()).isEqualTo(LogPosition.START);
        assertThat(model.storedHash()).isEmpty();
        assertThat(count(model.tableName() + "_versions")).isZero();
        assertThat(count(movements(model))).isZero();
        assertThat(other.document("EUR", 1).orElseThrow()).containsEntry("deposited", dec("2.00"));
        assertThat(other.probe().appliedVersion(dee)).isEqualTo(2);
        assertThat(other.projector().checkpoint()).isEqualTo(log.head());
        assertThat(other.storedHash()).contains("hash-" + totalsName);

        // rebuilt from the start: the same data again
        model.projector().apply(batch);
        assertThat(model.document(dee, 1).orElseThrow()).containsEntry("balance", dec("3.00"));

        model.drop();
        assertThat(tableExists(model.tableName())).isFalse();
        assertThat(tableExists(model.tableName() + "_versions")).isFalse();
        assertThat(tableExists(movements(model))).isFalse();
        assertThat(tableExists(other.tableName())).isTrue();
        assertThat(model.storedHash()).isEmpty();
        assertThat(other.document("EUR", 1)).isPresent();
        assertThat(other.projector().checkpoint()).isEqualTo(log.head());
        other.drop();
    }

    @Test
    void deleteDocumentRemovesTheRowAndItsChildRowsAndKeepsTheVersionRecord() throws Exception {
        JdbcDefinedReadModel model = accountsModel();
        EventLog log = new EventLog();
        String eve = account("eve");
        String fay = account("fay");
        log.append("account", eve, new AccountCreated(eve, dec("1.00"), "EUR", T0));
        log.append("account", fay, new AccountCreated(fay, dec("1.00"), "EUR", T0));
        log.append("account", eve, deposit(eve, "2.00", "salary"));
        log.append("account", fay, deposit(fay, "2.00", "salary"));
        model.projector().apply(batch(log.events()));
        log.append("account", eve, withdrawal(eve, "0", "close"));
        model.projector().apply(batch(log.events()));

        assertThat(model.document(eve, 1)).isEmpty();
        assertThat(count(movements(model) + " where parent_key = '" + eve + "'")).isZero();
        assertThat(model.probe().appliedVersion(eve)).isEqualTo(3);
        assertThat(model.document(fay, 1).orElseThrow()).containsEntry("balance", dec("3.00"));

        // older events again: the deleted document does not come back
        model.projector().apply(new EventBatch(log.events(), log.head(), true));
        assertThat(model.document(eve, 1)).isEmpty();

        // within one batch: created, deleted and created again
        EventLog again = new EventLog();
        String gil = account("gil");
        again.append("account", gil, new AccountCreated(gil, dec("5.00"), "EUR", T0));
        again.append("account", gil, deposit(gil, "1.00", "salary"));
        again.append("account", gil, withdrawal(gil, "0", "close"));
        again.append("account", gil, deposit(gil, "3.00", "gift"));
        model.projector().apply(batch(again.events()));
        Map<String, Object> document = model.document(gil, 1).orElseThrow();
        assertThat(document).containsEntry("balance", dec("3.00")).containsEntry("deposits", 1L)
                .containsEntry("sources", List.of("gift")).doesNotContainKey("owner");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> movements = (List<Map<String, Object>>) document.get("movements");
        assertThat(movements).extracting(m -> m.get("seq")).containsExactly(4L);
    }

    @Test
    void rowsFiltersSortsAndPagesOnDeclaredColumns() throws Exception {
        JdbcDefinedReadModel model = accountsModel();
        EventLog log = new EventLog();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String id = account(i % 2 == 0 ? "even" : "odd");
            ids.add(id);
            log.append("account", id, new AccountCreated(id, dec(i + ".50"), i == 6 ? "USD" : "EUR", T0));
            if (i < 3) {
                log.append("account", id, deposit(id, "1.00", i == 0 ? "bonus" : "salary"));
            }
        }
        model.projector().apply(batch(log.events()));

        RowsResult eur = model.rows(new RowsQuery(Map.of("currency", "EUR"), "balance", true, 0, 4));
        assertThat(eur.total()).isEqualTo(6);
        assertThat(eur.rows()).extracting(r -> r.get("balance"))
                .containsExactly(dec("5.50"), dec("4.50"), dec("3.50"), dec("3.50"));
        assertThat(eur.rows().get(0)).containsEntry("key", ids.get(5)).containsEntry("owner", "odd");
        RowsResult page2 = model.rows(new RowsQuery(Map.of("currency", "EUR"), "balance", true, 1, 4));
        assertThat(page2.total()).isEqualTo(6);
        assertThat(page2.rows()).extracting(r -> r.get("balance")).containsExactly(dec("2.50"), dec("1.50"));

        assertThat(model.rows(new RowsQuery(Map.of("owner", "even", "deposits", "1"), null, false, 0, 10)).rows())
                .extracting(r -> r.get("key")).containsExactlyInAnyOrder(ids.get(0), ids.get(2));
        assertThat(model.rows(new RowsQuery(Map.of("balance", "6.5"), null, false, 0, 10)).rows())
                .extracting(r -> r.get("key")).containsExactly(ids.get(6));
        assertThat(model.rows(new RowsQuery(Map.of("sources", "bonus"), null, false, 0, 10)).rows())
                .extracting(r -> r.get("key")).containsExactly(ids.get(0));
        assertThat(model.rows(new RowsQuery(Map.of("active", "true", "openedAt", T0.toString()), null, false, 0,
                100)).total()).isEqualTo(7);
        assertThat(model.rows(new RowsQuery(Map.of("key", ids.get(3)), null, false, 0, 1)).rows())
                .singleElement().satisfies(r -> assertThat(r).containsEntry("balance", dec("3.50")));
        assertThat(model.rows(new RowsQuery(Map.of("currency", "'; drop table x; --"), null, false, 0, 1)).total())
                .isZero();

        assertThatThrownBy(() -> model.rows(new RowsQuery(Map.of("colour", "red"), null, false, 0, 10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("colour");
        assertThatThrownBy(() -> model.rows(new RowsQuery(Map.of(), "shoeSize", false, 0, 10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shoeSize");
        assertThatThrownBy(() -> model.rows(new RowsQuery(Map.of("deposits", "many"), null, false, 0, 10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deposits");
        assertThatThrownBy(() -> new RowsQuery(Map.of(), null, false, 0, 101))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("size");
        assertThatThrownBy(() -> new RowsQuery(Map.of(), null, false, -1, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page");
    }

    @Test
    void aChangeTheStoreDoesNotSupportOrAFailingExpressionIsTheEventsFailureAndWritesNothing() throws Exception {
        String name = unique("counters");
        ReadModelDefinition definition = definition(name, name, 1, fields(field("n", FieldType.LONG)), Map.of());
        Map<String, Function<RecordedEvent, List<Change>>> byType = new LinkedHashMap<>();
        byType.put("AccountCreated", e -> List.of(new DocumentChange(text(e, "accountId"),
                List.of(new FieldOp.Increment("n", 1L)))));
        byType.put("MoneyDeposited", e -> List.of(new CounterChange("deposits", 1L, 0)));
        byType.put("MoneyWithdrawn", e -> List.of(new RowChange("nothing", text(e, "accountId"), Map.of("a", 1L),
                Map.of(), false)));
        JdbcDefinedReadModel model = new JdbcDefinedReadModel(dataSource, schema,
                TestPrograms.of(definition, "h", byType));
        EventLog log = new EventLog();
        String hal = account("hal");
        log.append("account", hal, new AccountCreated(hal, dec("1.00"), "EUR", T0));
        log.append("account", hal, deposit(hal, "1.00", "salary"));

        assertThatThrownBy(() -> model.projector().apply(batch(log.events())))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("CounterChange")
                .hasMessageContaining(name + ".yaml");
        assertThat(model.document(hal, 1)).isEmpty();
        assertThat(model.probe().appliedVersion(hal)).isZero();
        assertThat(model.projector().checkpoint()).isEqualTo(LogPosition.START);

        EventLog other = new EventLog();
        String ida = account("ida");
        other.append("account", ida, withdrawal(ida, "1.00", "x"));
        assertThatThrownBy(() -> model.projector().apply(batch(other.events())))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("nothing");

        // an undeclared field, a wrong type, a failing expression
        JdbcDefinedReadModel accounts = accountsModel();
        assertThatThrownBy(() -> accounts.projector().apply(batch(List.of(withdrawalEvent("fail")))))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("fails on this event");
        Map<String, Function<RecordedEvent, List<Change>>> bad = Map.of("AccountCreated", e -> List.of(
                new DocumentChange("k", List.of(new FieldOp.Set("n", "not a number")))));
        JdbcDefinedReadModel wrongType = new JdbcDefinedReadModel(dataSource, schema,
                TestPrograms.of(definition, "h", bad));
        assertThatThrownBy(() -> wrongType.projector().apply(batch(log.events().subList(0, 1))))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("'n'");
        Map<String, Function<RecordedEvent, List<Change>>> undeclared = Map.of("AccountCreated", e -> List.of(
                new DocumentChange("k", List.of(new FieldOp.Set("colour", "red")))));
        assertThatThrownBy(() -> new JdbcDefinedReadModel(dataSource, schema, TestPrograms.of(definition, "h",
                undeclared)).projector().apply(batch(log.events().subList(0, 1))))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("colour");
        Map<String, Function<RecordedEvent, List<Change>>> inexact = Map.of("AccountCreated", e -> List.of(
                new DocumentChange("k", List.of(new FieldOp.Set("balance", new BigDecimal("1.005"))))));
        assertThatThrownBy(() -> new JdbcDefinedReadModel(dataSource, schema, TestPrograms.of(
                accounts.program().definition(), "h", inexact)).projector().apply(batch(log.events().subList(0, 1))))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("balance");

        assertThat(model.projector().classify(new ChangeFailure("x"))).isEqualTo(FailureKind.PERMANENT);
        assertThat(model.projector().classify(new RuntimeException(new SQLException("gone", "08006"))))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(model.projector().classify(new SQLException("deadlock", "40P01"))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(model.projector().classify(new SQLException("bad", "22003"))).isEqualTo(FailureKind.PERMANENT);
        model.drop();
        wrongType.drop();
    }

    private static RecordedEvent withdrawalEvent(String reason) {
        EventLog log = new EventLog();
        String id = account("fail");
        return log.append("account", id, withdrawal(id, "1.00", reason));
    }

    @Test
    void namesFromTheDefinitionAreValidatedAtConstruction() {
        Map<String, FieldSpec> ok = fields(field("n", FieldType.LONG));
        assertThatThrownBy(() -> new JdbcDefinedReadModel(dataSource, schema, TestPrograms.of(
                definition("x", "bad-table", 1, ok, Map.of()), "h", Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad-table");
        assertThatThrownBy(() -> new JdbcDefinedReadModel(dataSource, schema, TestPrograms.of(
                definition("x", "good", 1, fields(field("a\"; drop", FieldType.LONG)), Map.of()), "h", Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a\"; drop");
        assertThatThrownBy(() -> new JdbcDefinedReadModel(dataSource, schema, TestPrograms.of(
                definition("x", "good", 1, fields(field("key", FieldType.LONG)), Map.of()), "h", Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
        assertThatThrownBy(() -> new JdbcDefinedReadModel(dataSource, schema, TestPrograms.of(
                definition("x", "good", 1, ok, Map.of("items", new ChildTable("items", List.of("line no"),
                        Map.of()))), "h", Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line no");
        assertThatThrownBy(() -> new JdbcDefinedReadModel(dataSource, schema, TestPrograms.of(
                definition("x", "t".repeat(60), 1, ok, Map.of()), "h", Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
        assertThatThrownBy(() -> new JdbcDefinedReadModel(dataSource, "Bad Schema", TestPrograms.of(
                definition("x", "good", 1, ok, Map.of()), "h", Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Bad Schema");
    }

    /** Not a benchmark: shows a batch of 2,000 events over 200 streams is one transaction of few statements. */
    @Test
    void aLargeBatchIsAppliedInOneTransaction() throws Exception {
        JdbcDefinedReadModel model = accountsModel();
        EventLog log = new EventLog();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String id = account("big");
            ids.add(id);
            log.append("account", id, new AccountCreated(id, dec("0.00"), "EUR", T0));
        }
        for (int round = 0; round < 9; round++) {
            for (String id : ids) {
                log.append("account", id, deposit(id, "0.01", "s" + (round % 3)));
            }
        }
        EventBatch batch = batch(log.events());
        long start = System.nanoTime();
        model.projector().apply(batch);
        long first = System.nanoTime() - start;
        start = System.nanoTime();
        model.projector().apply(batch);
        long again = System.nanoTime() - start;
        System.out.printf("JdbcDefinedReadModel: 2000 events / 200 streams applied in %d ms, again (all skipped) in"
                + " %d ms%n", first / 1_000_000, again / 1_000_000);

        // the next batch goes through the stored rows (increments and set operations in SQL)
        EventLog next = new EventLog();
        List<RecordedEvent> more = new ArrayList<>();
        for (String id : ids) {
            RecordedEvent e = next.append("account", id, deposit(id, "0.01", "s9"));
            more.add(new RecordedEvent(e.position() + 100_000, e.txId() + 100_000, id, "account", 11, e.type(),
                    e.schemaVersion(), e.data(), e.metadata(), e.recordedAt()));
        }
        start = System.nanoTime();
        model.projector().apply(batch(more));
        System.out.printf("JdbcDefinedReadModel: 200 events on stored rows in %d ms%n",
                (System.nanoTime() - start) / 1_000_000);

        RowsResult all = model.rows(new RowsQuery(Map.of("owner", "big"), "key", false, 0, 100));
        assertThat(all.total()).isEqualTo(200);
        assertThat(all.rows()).allSatisfy(r -> assertThat(r).containsEntry("balance", dec("0.10"))
                .containsEntry("deposits", 10L).containsEntry("sources", List.of("s0", "s1", "s2", "s9")));
        assertThat(model.probe().appliedVersion(ids.get(0))).isEqualTo(11);
        model.drop();
    }

    // ---- a definition whose expressions read doc, the current document of the event's key ----

    private static final tools.jackson.databind.json.JsonMapper JSON =
            tools.jackson.databind.json.JsonMapper.builder().build();

    private static RecordedEvent orderEvent(long position, String order, long version, String type, String data) {
        return new RecordedEvent(position, position, order, "order", version, type, 1, JSON.readTree(data),
                io.projhub.core.eventstore.EventMetadata.EMPTY, T0.plusSeconds(60 * position));
    }

    /**
     * Orders: a status, a total and a time set on creation; shipping and cancelling record the status they leave
     * ({@code doc.status}); a cancellation refunds the total ({@code doc.total}) if it comes after the creation
     * ({@code doc.since}, a timestamp read back from the store); a {@code summary} row counts the orders per status
     * (the counter of the status left moves down) and the revenue (taken back on cancellation).
     */
    private static ReadModelProgram orders(String name) throws Exception {
        return new io.projhub.definitions.DefinitionLoader().compile("doc.yaml", """
                name: %s
                store: postgres
                version: 1
                target: {table: %s}
                fields:
                  status: keyword
                  previousStatus: keyword
                  total: {type: decimal, scale: 2}
                  refunded: {type: decimal, scale: 2}
                  since: timestamp
                  created: long
                  shipped: long
                  cancelled: long
                  revenue: {type: decimal, scale: 2}
                on:
                  OrderCreated:
                    - set: {status: "'CREATED'", total: data.total, since: recordedAt}
                    - key: "'summary'"
                      increment: {created: 1, revenue: data.total}
                  OrderShipped:
                    - set: {status: "'SHIPPED'", previousStatus: doc.status}
                    - key: "'summary'"
                      when: "doc.status == 'CREATED'"
                      decrement: {created: 1}
                      increment: {shipped: 1}
                  OrderCancelled:
                    - set: {status: "'CANCELLED'", previousStatus: doc.status}
                    - set: {refunded: doc.total}
                      when: "recordedAt > doc.since"
                    - key: "'summary'"
                      when: "doc.status == 'CREATED'"
                      decrement: {created: 1}
                    - key: "'summary'"
                      when: "doc.status == 'SHIPPED'"
                      decrement: {shipped: 1}
                    - key: "'summary'"
                      increment: {cancelled: 1}
                      decrement: {revenue: doc.total}
                """.formatted(name.replace('_', '-'), name));
    }

    @Test
    void anExpressionReadsTheDocumentFoldedThroughTheBatchOrStoredAndRedeliveriesChangeNothing() throws Exception {
        String name = unique("orders");
        ReadModelProgram program = orders(name);
        assertThat(program.usesDocument()).isTrue();
        JdbcDefinedReadModel model = new JdbcDefinedReadModel(dataSource, schema, program);
        String a = "order-a-" + UUID.randomUUID();
        String b = "order-b-" + UUID.randomUUID();

        // (1) one batch: a is created, shipped and cancelled; each event sees the document the ones before it made
        RecordedEvent a1 = orderEvent(1, a, 1, "OrderCreated", "{\"total\": \"12.50\"}");
        RecordedEvent a2 = orderEvent(2, a, 2, "OrderShipped", "{}");
        RecordedEvent a3 = orderEvent(3, a, 3, "OrderCancelled", "{}");
        RecordedEvent b1 = orderEvent(4, b, 1, "OrderCreated", "{\"total\": \"20.00\"}");
        EventBatch first = batch(List.of(a1, a2, a3, b1));
        model.projector().apply(first);
        Map<String, Object> orderA = model.document(a, 1).orElseThrow();
        assertThat(orderA).containsEntry("status", "CANCELLED").containsEntry("previousStatus", "SHIPPED")
                .containsEntry("total", dec("12.50")).containsEntry("refunded", dec("12.50"));
        assertThat(model.document(b, 1).orElseThrow()).containsEntry("status", "CREATED")
                .doesNotContainKey("previousStatus");
        Map<String, Object> summary = model.document("summary", 1).orElseThrow();
        assertThat(summary).containsEntry("created", 1L).containsEntry("shipped", 0L)
                .containsEntry("cancelled", 1L).containsEntry("revenue", dec("20.00"));

        // (3) the same batch again: every event is recorded, no counter moves twice
        model.projector().apply(first);
        assertThat(model.document("summary", 1)).contains(summary);
        assertThat(model.document(a, 1)).contains(orderA);

        // (2) later batches read the document from the store (decimal, timestamp and keyword typed as stored)
        RecordedEvent b2 = orderEvent(5, b, 2, "OrderShipped", "{}");
        model.projector().apply(batch(List.of(b2)));
        assertThat(model.document(b, 1).orElseThrow()).containsEntry("status", "SHIPPED")
                .containsEntry("previousStatus", "CREATED");
        assertThat(model.document("summary", 1).orElseThrow()).containsEntry("created", 0L)
                .containsEntry("shipped", 1L).containsEntry("cancelled", 1L);

        // a redelivery with an older event: b1 is skipped and not folded, so b3 sees the stored SHIPPED, not CREATED
        RecordedEvent b3 = orderEvent(6, b, 3, "OrderCancelled", "{}");
        EventBatch redelivered = new EventBatch(List.of(b1, b3), b3.logPosition(), true);
        model.projector().apply(redelivered);
        Map<String, Object> orderB = model.document(b, 1).orElseThrow();
        assertThat(orderB).containsEntry("status", "CANCELLED").containsEntry("previousStatus", "SHIPPED")
                .containsEntry("refunded", dec("20.00")).containsEntry("since", b1.recordedAt().toString());
        Map<String, Object> after = model.document("summary", 1).orElseThrow();
        assertThat(after).containsEntry("created", 0L).containsEntry("shipped", 0L)
                .containsEntry("cancelled", 2L).containsEntry("revenue", dec("0.00"));
        assertThat(model.probe().appliedVersion(b)).isEqualTo(3);

        // (3) everything again, in one batch and event by event: nothing moves
        model.projector().apply(new EventBatch(List.of(a1, a2, a3, b1, b2, b3), b3.logPosition(), true));
        model.projector().apply(redelivered);
        for (RecordedEvent e : List.of(a1, a2, a3, b1, b2, b3)) {
            model.projector().apply(batch(List.of(e)));
        }
        assertThat(model.document("summary", 1)).contains(after);
        assertThat(model.document(a, 1)).contains(orderA);
        assertThat(model.document(b, 1)).contains(orderB);
        assertThat(model.projector().checkpoint()).isEqualTo(b3.logPosition());

        // an expression failing on the document (no order c to ship) is the event's permanent failure; nothing written
        String c = "order-c-" + UUID.randomUUID();
        RecordedEvent c2 = orderEvent(7, c, 2, "OrderShipped", "{}");
        assertThatThrownBy(() -> model.projector().apply(batch(List.of(c2))))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("doc.yaml");
        assertThat(model.projector().classify(new ChangeFailure("x"))).isEqualTo(FailureKind.PERMANENT);
        assertThat(model.document(c, 1)).isEmpty();
        assertThat(model.probe().appliedVersion(c)).isZero();
        assertThat(model.document("summary", 1)).contains(after);
        assertThat(model.projector().checkpoint()).isEqualTo(b3.logPosition());
        model.drop();
    }

    private long count(String tableAndWhere) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from " + schema + "." + tableAndWhere)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private boolean tableExists(String table) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select 1 from information_schema.tables where table_schema = ? and table_name = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Test
    void aVersionRaisedBetweenTheReadAndTheWriteIsSeenAndTheBatchComputedAgainUnderTheLock() throws Exception {
        String name = unique("accounts");
        ReadModelProgram program = accounts(name, name, 1);
        AtomicReference<Runnable> beforeNextConnection = new AtomicReference<>();
        DataSource watched = new ForwardingDataSource(dataSource) {
            @Override
            public Connection getConnection() throws SQLException {
                Runnable hook = beforeNextConnection.getAndSet(null);
                if (hook != null) {
                    hook.run();
                }
                return super.getConnection();
            }
        };
        JdbcDefinedReadModel model = new JdbcDefinedReadModel(watched, schema, program);
        JdbcDefinedReadModel otherWriter = new JdbcDefinedReadModel(dataSource, schema, program);
        EventLog log = new EventLog();
        String cy = account("cy");
        log.append("account", cy, new AccountCreated(cy, dec("100.00"), "EUR", T0));
        log.append("account", cy, deposit(cy, "50.00", "salary"));
        model.projector().apply(batch(log.events().subList(0, 1)));
        EventBatch deposit = batch(log.events().subList(1, 2));

        // The versions are read on one connection; before the writing transaction takes the next one, another writer
        // applies the same deposit. Writing the changes computed from the first read would count it twice.
        AtomicReference<Runnable> armed = new AtomicReference<>(() -> {
            try {
                otherWriter.projector().apply(deposit);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        beforeNextConnection.set(() -> beforeNextConnection.set(armed.getAndSet(null)));
        model.projector().apply(deposit);

        assertThat(armed.get()).as("the other writer ran between the read and the write").isNull();
        assertThat(model.document(cy, 1).orElseThrow()).containsEntry("balance", dec("150.00"))
                .containsEntry("deposits", 1L);
        assertThat(model.probe().appliedVersion(cy)).isEqualTo(2);
        assertThat(model.projector().checkpoint()).isEqualTo(log.head());
    }

    /** The physical name of the accounts model's child table. */
    private static String movements(JdbcDefinedReadModel model) {
        return model.tableName().replaceFirst("_v1$", "__movements_v1");
    }
}
