package io.projhub.projectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.projhub.projectors.testing.CannedHttpServer;
import io.projhub.projectors.testing.CannedHttpServer.Reply;
import io.projhub.projectors.testing.OrderEventLog;
import io.projhub.projectors.testing.Resequenced;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderItem;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

@RealStores
class ElasticsearchOrderProjectorTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00.123456Z");

    private final String namespace = "t" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private ElasticsearchClient client;
    private ElasticsearchOrderIndex index;

    private final String ada = "order-" + UUID.randomUUID();
    private final String bob = "order-" + UUID.randomUUID();
    private final String cyd = "order-" + UUID.randomUUID();

    /** The indexed state: every order document with its external version, and the checkpoint document. */
    private record Snapshot(Map<String, Map.Entry<Long, OrderDocument>> orders, LogPosition checkpoint) {
    }

    @BeforeEach
    void connect(StoreEndpoints stores) {
        client = ElasticsearchConnector.connect(stores.elasticsearchUrl());
        index = new ElasticsearchOrderIndex(client, namespace);
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            index.deleteAll();
        } finally {
            client._transport().close();
        }
    }

    /** Ada's order is created then shipped, Bob's created then cancelled, Cyd's only created. */
    private OrderEventLog threeOrders() {
        OrderEventLog log = new OrderEventLog(101);
        log.created(ada, "customer-ada", "Ada Lovelace", "EUR", "120.50", T0, "Analytical Engine", "Punch Cards");
        log.created(bob, "customer-bob", "Bob Babbage", "USD", "15.00", T0.plusSeconds(60), "Difference Engine");
        log.shipped(ada, "DHL", "TRACK-1", T0.plusSeconds(3600), 3_600_000);
        log.created(cyd, "customer-ada", "Ada Lovelace", "EUR", "9.99", T0.plusSeconds(86_400), "Punch Cards");
        log.cancelled(bob, "changed mind", T0.plusSeconds(7200));
        return log;
    }

    private ElasticsearchOrderProjector projector() {
        return new ElasticsearchOrderProjector(client, namespace);
    }

    private Snapshot snapshot() throws Exception {
        client.indices().refresh(r -> r.index(index.alias()));
        SearchResponse<OrderDocument> all = client.search(s -> s.index(index.alias()).size(1000).version(true),
                OrderDocument.class);
        Map<String, Map.Entry<Long, OrderDocument>> orders = new TreeMap<>();
        for (Hit<OrderDocument> hit : all.hits().hits()) {
            orders.put(hit.id(), Map.entry(hit.version(), hit.source()));
        }
        return new Snapshot(orders, new ElasticsearchProbe(client, namespace).checkpoint());
    }

    private static long positionOf(List<RecordedEvent> events, String streamId, long version) {
        return events.stream().filter(e -> e.streamId().equals(streamId) && e.version() == version)
                .findFirst().orElseThrow().position();
    }

    @Test
    void applyingABatchOfCreatedShippedAndCancelledOrdersGivesExactlyTheExpectedDocuments() throws Exception {
        OrderEventLog log = threeOrders();
        List<RecordedEvent> events = log.events();

        projector().apply(new EventBatch(events, log.head()));

        Snapshot state = snapshot();
        assertThat(state.orders()).containsOnlyKeys(ada, bob, cyd);
        assertThat(state.orders().get(ada).getValue()).isEqualTo(new OrderDocument(ada, "customer-ada",
                "Ada Lovelace", List.of("Analytical Engine", "Punch Cards"), "SHIPPED", new BigDecimal("120.50"),
                "EUR", T0, T0.plusSeconds(3600), null, "DHL", "TRACK-1", 2));
        assertThat(state.orders().get(bob).getValue()).isEqualTo(new OrderDocument(bob, "customer-bob",
                "Bob Babbage", List.of("Difference Engine"), "CANCELLED", new BigDecimal("15.00"), "USD",
                T0.plusSeconds(60), null, T0.plusSeconds(7200), null, null, 2));
        assertThat(state.orders().get(cyd).getValue()).isEqualTo(new OrderDocument(cyd, "customer-ada",
                "Ada Lovelace", List.of("Punch Cards"), "CREATED", new BigDecimal("9.99"), "EUR",
                T0.plusSeconds(86_400), null, null, null, null, 1));
        // The external version of each document is the position of the last event folded into it.
        assertThat(state.orders().get(ada).getKey()).isEqualTo(positionOf(events, ada, 2));
        assertThat(state.orders().get(bob).getKey()).isEqualTo(positionOf(events, bob, 2));
        assertThat(state.orders().get(cyd).getKey()).isEqualTo(positionOf(events, cyd, 1));
        assertThat(state.checkpoint()).isEqualTo(log.head());
    }

    @Test
    void changesInLaterBatchesAreFoldedIntoTheStoredDocument() throws Exception {
        OrderEventLog log = threeOrders();
        List<RecordedEvent> events = log.events();
        ElasticsearchOrderProjector projector = projector();
        projector.apply(new EventBatch(events.subList(0, 2), events.get(1).logPosition()));
        projector.apply(new EventBatch(events.subList(2, 3), events.get(2).logPosition()));
        projector.apply(new EventBatch(events.subList(3, 5), log.head()));

        Snapshot inBatches = snapshot();
        index.deleteAll();
        projector().apply(new EventBatch(events, log.head()));

        assertThat(snapshot()).isEqualTo(inBatches);
    }

    @Test
    void applyingTheSameBatchTwiceLeavesTheIndexExactlyAsAfterOnce() throws Exception {
        OrderEventLog log = threeOrders();
        EventBatch batch = new EventBatch(log.events(), log.head());
        ElasticsearchOrderProjector projector = projector();
        projector.apply(batch);
        Snapshot once = snapshot();

        projector.apply(batch);

        assertThat(snapshot()).isEqualTo(once);
    }

    @Test
    void replayingTheWholeLogFromTheStartLeavesTheIndexExactlyAsAfterOnePass() throws Exception {
        OrderEventLog log = threeOrders();
        List<RecordedEvent> events = log.events();
        ElasticsearchOrderProjector first = projector();
        first.apply(new EventBatch(events.subList(0, 3), events.get(2).logPosition()));
        first.apply(new EventBatch(events.subList(3, 5), log.head()));
        Snapshot onePass = snapshot();

        ElasticsearchOrderProjector restarted = projector();
        assertThat(restarted.checkpoint()).isEqualTo(log.head());
        restarted.apply(new EventBatch(events, log.head(), false));
        assertThat(snapshot()).isEqualTo(onePass);

        restarted.apply(new EventBatch(events, log.head(), true));
        assertThat(snapshot()).isEqualTo(onePass);
    }

    @Test
    void anOlderEventDoesNotOverwriteNewerData() throws Exception {
        OrderEventLog log = threeOrders();
        List<RecordedEvent> events = log.events();
        ElasticsearchOrderProjector projector = projector();
        projector.apply(new EventBatch(events, log.head()));
        Snapshot newer = snapshot();
        RecordedEvent adaCreated = events.get(0);

        // Alone in a batch, OrderCreated is indexed without reading: Elasticsearch's 409 is taken as success.
        projector.apply(new EventBatch(List.of(adaCreated), log.head(), true));
        projector.apply(new EventBatch(List.of(adaCreated), log.head(), false));

        assertThat(snapshot()).isEqualTo(newer);
        assertThat(new ElasticsearchOrderQueries(client, namespace).findOrder(ada)).get()
                .extracting(OrderDocument::status, OrderDocument::carrier).containsExactly("SHIPPED", "DHL");
    }

    @Test
    void aChangeToAnOrderWithoutDocumentFailsPermanentlyAndWritesNothing() throws Exception {
        OrderEventLog log = new OrderEventLog(1);
        log.created(ada, "customer-ada", "Ada", "EUR", "1.00", T0, "Thing");
        RecordedEvent shipped = log.shipped(ada, "UPS", "T-9", T0.plusSeconds(5), 5000);
        ElasticsearchOrderProjector projector = projector();

        assertThatThrownBy(() -> projector.apply(new EventBatch(List.of(shipped), shipped.logPosition())))
                .satisfies(e -> assertThat(projector.classify(e)).isEqualTo(FailureKind.PERMANENT))
                .hasMessageContaining("OrderCreated is not applied");
        assertThat(projector.checkpoint()).isEqualTo(LogPosition.START);

        // Once its creation is applied (e.g. replayed from the dead letters), the change applies.
        projector.apply(new EventBatch(log.events().subList(0, 1), LogPosition.START, true));
        projector.apply(new EventBatch(List.of(shipped), LogPosition.START, true));
        assertThat(new ElasticsearchProbe(client, namespace).appliedVersion(ada)).isEqualTo(2);
    }

    @Test
    void checkpointIsStartWhenEmptyThenTheBatchCheckpointAlsoForANewInstance() throws Exception {
        assertThat(projector().checkpoint()).isEqualTo(LogPosition.START);
        assertThat(new ElasticsearchProbe(client, namespace).checkpoint()).isEqualTo(LogPosition.START);
        OrderEventLog log = threeOrders();
        LogPosition pastTheEvents = new LogPosition(log.head().txId() + 5, log.head().position() + 5);

        projector().apply(new EventBatch(log.events(), pastTheEvents));

        assertThat(projector().checkpoint()).isEqualTo(pastTheEvents);
        assertThat(new ElasticsearchProbe(client, namespace).checkpoint()).isEqualTo(pastTheEvents);

        // An empty batch only moves the checkpoint; a redelivery never moves it.
        LogPosition later = new LogPosition(pastTheEvents.txId() + 1, pastTheEvents.position() + 1);
        projector().apply(new EventBatch(List.of(), later));
        projector().apply(new EventBatch(log.events(), LogPosition.START, true));
        assertThat(new ElasticsearchProbe(client, namespace).checkpoint()).isEqualTo(later);
    }

    @Test
    void anOverwrittenCheckpointMovesBackAndTheEventsAfterItApplyAgainLeavingTheDocumentsAsTheyWere() throws Exception {
        OrderEventLog log = threeOrders();
        List<RecordedEvent> events = log.events();
        ElasticsearchOrderProjector projector = projector();
        projector.apply(new EventBatch(events, log.head()));
        Map<String, Map.Entry<Long, OrderDocument>> once = snapshot().orders();
        ElasticsearchProbe probe = new ElasticsearchProbe(client, namespace);

        LogPosition lower = events.get(1).logPosition();
        projector.overwriteCheckpoint(lower);
        assertThat(projector().checkpoint()).isEqualTo(lower);
        assertThat(probe.checkpoint()).isEqualTo(lower);
        assertThat(snapshot().orders()).as("the documents stay as they are").isEqualTo(once);

        projector.apply(new EventBatch(events.subList(2, 5), log.head()));
        assertThat(snapshot()).isEqualTo(new Snapshot(once, log.head()));

        // As after the log's re-sequencing: every event at the same low tx id, below the checkpoint the index holds.
        List<RecordedEvent> resequenced = Resequenced.events(events);
        projector.overwriteCheckpoint(Resequenced.position(events.get(1)));
        assertThat(probe.checkpoint()).isEqualTo(Resequenced.position(events.get(1)));
        projector.apply(new EventBatch(resequenced.subList(2, 5), Resequenced.position(events.get(4))));
        assertThat(snapshot()).isEqualTo(new Snapshot(once, Resequenced.position(events.get(4))));

        projector.overwriteCheckpoint(LogPosition.START);
        assertThat(projector().checkpoint()).isEqualTo(LogPosition.START);
        assertThat(probe.checkpoint()).isEqualTo(LogPosition.START);
        RecordedEvent next = Resequenced.events(List.of(log.cancelled(cyd, "late", T0.plusSeconds(90_000)))).get(0);
        projector.apply(new EventBatch(List.of(next), next.logPosition()));
        assertThat(probe.checkpoint()).isEqualTo(next.logPosition());
        assertThat(probe.appliedVersion(cyd)).isEqualTo(2);
        assertThat(snapshot().orders().get(cyd).getValue().status()).isEqualTo("CANCELLED");
        assertThat(snapshot().orders().get(ada)).isEqualTo(once.get(ada));
    }

    @Test
    void probeReadsTheAppliedVersionOfEachStreamFromTheIndex() throws Exception {
        ElasticsearchProbe probe = new ElasticsearchProbe(client, namespace);
        assertThat(probe.appliedVersion(ada)).isZero();
        OrderEventLog log = threeOrders();

        projector().apply(new EventBatch(log.events(), log.head()));

        assertThat(probe.name()).isEqualTo("elasticsearch");
        assertThat(probe.appliedVersion(ada)).isEqualTo(2);
        assertThat(probe.appliedVersion(bob)).isEqualTo(2);
        assertThat(probe.appliedVersion(cyd)).isEqualTo(1);
        assertThat(probe.appliedVersion("order-unknown")).isZero();
        assertThatThrownBy(() -> probe.appliedVersion("bad id\"")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("streamId");
    }

    @Test
    void aSkippedOrderCreatedIsRecordedOutsideTheOrdersAndTheOrdersLaterVersionsOnlyRaiseIt() throws Exception {
        OrderEventLog log = new OrderEventLog(1);
        RecordedEvent created = log.created(ada, "customer-ada", "Ada", "EUR", "1.00", T0, "Thing");
        RecordedEvent shipped = log.shipped(ada, "UPS", "T-9", T0.plusSeconds(5), 5000);
        log.created(bob, "customer-bob", "Bob", "EUR", "2.00", T0, "Thing");
        RecordedEvent cancelled = log.cancelled(bob, "changed mind", T0.plusSeconds(9));
        ElasticsearchOrderProjector projector = projector();
        ElasticsearchProbe probe = new ElasticsearchProbe(client, namespace);
        ElasticsearchOrderQueries queries = new ElasticsearchOrderQueries(client, namespace);

        projector.recordSkipped(ada, 1);

        assertThat(probe.appliedVersion(ada)).isEqualTo(1);
        assertThat(queries.findOrder(ada)).isEmpty();

        // The chain parked behind the skipped event is released as a redelivery.
        projector.apply(new EventBatch(List.of(shipped), LogPosition.START, true));

        assertThat(probe.appliedVersion(ada)).isEqualTo(2);
        assertThat(queries.findOrder(ada)).isEmpty();

        projector.recordSkipped(ada, 1);
        assertThat(probe.appliedVersion(ada)).as("a lower skipped version never lowers it").isEqualTo(2);
        projector.apply(new EventBatch(List.of(created, shipped), LogPosition.START, true));
        assertThat(queries.findOrder(ada)).as("the skipped event delivered again is not applied").isEmpty();

        // A later event in an ordinary batch: Bob's order, whose creation was skipped, gets no document either.
        projector.recordSkipped(bob, 1);
        projector.apply(new EventBatch(List.of(cancelled), log.head()));
        assertThat(probe.appliedVersion(bob)).isEqualTo(2);
        queries.refresh();
        assertThat(queries.count()).as("no order in search, counts or aggregations").isZero();
        assertThat(projector.checkpoint()).isEqualTo(log.head());
    }

    @Test
    void aSkippedChangeCountsAsAppliedAndTheNextVersionAppliesNormally() throws Exception {
        OrderEventLog log = new OrderEventLog(1);
        RecordedEvent created = log.created(ada, "customer-ada", "Ada", "EUR", "1.00", T0, "Thing");
        RecordedEvent shipped = log.shipped(ada, "UPS", "T-9", T0.plusSeconds(5), 5000);
        RecordedEvent cancelled = log.cancelled(ada, "lost", T0.plusSeconds(9));
        ElasticsearchOrderProjector projector = projector();
        projector.apply(new EventBatch(List.of(created), created.logPosition()));

        projector.recordSkipped(ada, 2);
        projector.apply(new EventBatch(List.of(created, shipped), created.logPosition(), true));
        assertThat(new ElasticsearchOrderQueries(client, namespace).findOrder(ada)).get()
                .extracting(OrderDocument::status).as("the skipped shipment is not applied").isEqualTo("CREATED");

        projector.apply(new EventBatch(List.of(cancelled), log.head()));

        assertThat(new ElasticsearchProbe(client, namespace).appliedVersion(ada)).isEqualTo(3);
        assertThat(new ElasticsearchOrderQueries(client, namespace).findOrder(ada)).get()
                .extracting(OrderDocument::status, OrderDocument::streamVersion).containsExactly("CANCELLED", 3L);
    }

    @Test
    void aResetForgetsTheSkippedVersions() throws Exception {
        ElasticsearchOrderProjector projector = projector();
        projector.recordSkipped(ada, 4);

        projector.reset();

        assertThat(new ElasticsearchProbe(client, namespace).appliedVersion(ada)).isZero();
    }

    // Classification. Real server error: a bulk item rejected with 400 (a document Elasticsearch cannot parse), and
    // the unreachable node below. Answered by a stand-in node (CannedHttpServer), turned into exceptions by the
    // real client and projector: 429 and 503, per bulk item and for the whole request, which the shared node here
    // cannot be driven to without harm.

    @Test
    void aBulkItemElasticsearchCannotParseIsPermanent() throws Exception {
        OrderEventLog log = new OrderEventLog(1);
        RecordedEvent unindexable = log.append(ada, "order", new OrderCreated(ada, "customer-ada", "Ada", "EUR",
                List.of(new OrderItem("Thing", new BigDecimal("1E+400"), 1)), new BigDecimal("1E+400"), T0), T0);
        ElasticsearchOrderProjector projector = projector();

        assertThatThrownBy(() -> projector.apply(new EventBatch(List.of(unindexable), log.head())))
                .isInstanceOfSatisfying(ElasticsearchBulkException.class, e -> {
                    assertThat(e.failures()).singleElement().satisfies(f -> {
                        assertThat(f.status()).isEqualTo(400);
                        assertThat(f.type()).endsWith("parsing_exception");
                    });
                    assertThat(projector.classify(e)).isEqualTo(FailureKind.PERMANENT);
                });
    }

    @Test
    void bulkItemsRejectedForLackOfCapacityOrShardsAreTransientBadItemsAmongThemPermanent() throws Exception {
        assertThat(classifyBulkAnswer(item(429, "es_rejected_execution_exception",
                "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, max=0]")))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(classifyBulkAnswer(item(503, "unavailable_shards_exception",
                "[orders-v1][0] primary shard is not active Timeout: [1m]"))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(classifyBulkAnswer(item(400, "mapper_parsing_exception", "failed to parse field [totalAmount]")))
                .isEqualTo(FailureKind.PERMANENT);
        // A bad item beside a rejected one: permanent, so the lane splits the batch and retries the rejected alone.
        assertThat(classifyBulkAnswer(item(429, "es_rejected_execution_exception", "rejected execution") + ","
                + item(400, "mapper_parsing_exception", "failed to parse"))).isEqualTo(FailureKind.PERMANENT);
    }

    /** The client reports a 429 as an ElasticsearchException, a 502-504 as a ResponseException (an IOException). */
    @Test
    void aRequestRejectedForLackOfCapacityOrAnUnavailableClusterIsTransient() throws Exception {
        assertThat(classifyAnswer(new Reply(429, ES_HEADERS, error(429, "es_rejected_execution_exception",
                "rejected execution of coordinating operation")))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(classifyAnswer(new Reply(503, ES_HEADERS, error(503, "cluster_block_exception",
                "blocked by: [SERVICE_UNAVAILABLE/2/no master];")))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(classifyAnswer(new Reply(400, ES_HEADERS, error(400, "illegal_argument_exception",
                "Malformed action/metadata line")))).isEqualTo(FailureKind.PERMANENT);
    }

    private static final Map<String, String> ES_HEADERS = Map.of("X-Elastic-Product", "Elasticsearch",
            "Content-Type", "application/json");

    private static String item(int status, String type, String reason) {
        return """
                {"index":{"_index":"orders-v1","_id":"order-%s","status":%d,"error":{"type":"%s","reason":"%s"}}}\
                """.formatted(UUID.randomUUID(), status, type, reason);
    }

    private static String error(int status, String type, String reason) {
        return """
                {"error":{"root_cause":[{"type":"%1$s","reason":"%2$s"}],"type":"%1$s","reason":"%2$s"},"status":%3$d}\
                """.formatted(type, reason, status);
    }

    /** How the projector classifies its failure when a node answers its bulk with these items (200, errors: true). */
    private FailureKind classifyBulkAnswer(String items) throws Exception {
        return classifyAnswer(new Reply(200, ES_HEADERS, "{\"took\":3,\"errors\":true,\"items\":[" + items + "]}"));
    }

    /** How the projector classifies its failure when a node answers its bulk with {@code bulk} (indices exist). */
    private FailureKind classifyAnswer(Reply bulk) throws Exception {
        try (CannedHttpServer node = CannedHttpServer.start(exchange ->
                exchange.getRequestURI().getPath().endsWith("/_bulk") ? bulk : new Reply(200, ES_HEADERS, ""))) {
            ElasticsearchClient standIn = ElasticsearchConnector.connect(node.url());
            try {
                ElasticsearchOrderProjector projector = new ElasticsearchOrderProjector(standIn, namespace);
                OrderEventLog log = threeOrders();
                return projector.classify(catchFailure(() -> projector.apply(new EventBatch(log.events(), log.head()))));
            } finally {
                standIn._transport().close();
            }
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    private static Throwable catchFailure(Action action) {
        try {
            action.run();
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void anUnreachableClusterIsATransientFailure() throws Exception {
        ElasticsearchClient nowhere = ElasticsearchConnector.connect("http://127.0.0.1:1");
        try {
            ElasticsearchOrderProjector projector = new ElasticsearchOrderProjector(nowhere, namespace);
            OrderEventLog log = threeOrders();
            assertThatThrownBy(() -> projector.apply(new EventBatch(log.events(), log.head())))
                    .satisfies(e -> assertThat(projector.classify(e)).isEqualTo(FailureKind.TRANSIENT));
        } finally {
            nowhere._transport().close();
        }
    }

    @Test
    void theIndexIsCreatedBehindItsAliasWithStrictMappings() throws Exception {
        projector().start();

        var aliases = client.indices().getAlias(a -> a.name(index.alias())).aliases();
        assertThat(aliases).containsOnlyKeys(index.concreteIndex());
        var mapping = client.indices().getMapping(m -> m.index(index.alias())).mappings()
                .get(index.concreteIndex()).mappings();
        assertThat(mapping.dynamic()).hasToString("Strict");
        assertThat(mapping.properties()).containsOnlyKeys("orderId", "customerId", "customerName", "itemNames",
                "status", "totalAmount", "currency", "createdAt", "shippedAt", "cancelledAt", "carrier",
                "trackingNumber", "streamVersion");
    }
}
