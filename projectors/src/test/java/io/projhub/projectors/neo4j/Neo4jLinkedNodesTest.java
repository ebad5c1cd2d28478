package io.projhub.projectors.neo4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Session;

import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.definitions.ReadModelDefinition;
import io.projhub.definitions.StoreKind;
import io.projhub.definitions.Target;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.DocumentChange;
import io.projhub.definitions.changes.FieldOp;
import io.projhub.definitions.changes.NodeChange;
import io.projhub.definitions.changes.RelationshipChange;
import io.projhub.projectors.testing.EventLog;
import io.projhub.projectors.testing.TestPrograms;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/**
 * Relationships between nodes that are not documents ({@code from}), told apart by key properties, and properties of
 * such nodes set by two kinds of change in one batch: the writer keeps event order in both of its statement forms.
 * Each event's changes come from {@link #changes} by stream and version.
 */
@RealStores
class Neo4jLinkedNodesTest {

    private static final String DOC = "ProjhubTestDoc";
    private static final String ALSO = "ProjhubTestAlso";
    private static final String SHIPMENT = "ProjhubTestShipment";
    private static final String CARRIER = "ProjhubTestCarrier";
    private static final String PERSON = "ProjhubTestPerson";

    private final Driver driver;
    private final String namespace = "l" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final EventLog log = new EventLog();
    private final List<List<Change>> changes = new ArrayList<>();

    Neo4jLinkedNodesTest(StoreEndpoints stores) {
        driver = Neo4jConnector.connect(stores.neo4jUri(), stores.neo4jUser(), stores.neo4jPassword());
    }

    @AfterEach
    void dropTheReadModel() {
        try {
            model().drop();
        } finally {
            driver.close();
        }
    }

    private Neo4jDefinedReadModel model() {
        ReadModelDefinition definition = new ReadModelDefinition("linked", StoreKind.NEO4J, 1, "",
                new Target(null, null, List.of(DOC, ALSO), null, null, null), Map.of(), "linked.yaml");
        Function<RecordedEvent, List<Change>> byPosition = e -> changes.get((int) e.position() - 1);
        return new Neo4jDefinedReadModel(driver, namespace, TestPrograms.of(definition, "h1",
                Map.of("AccountCreated", byPosition)));
    }

    /** Appends an event of a stream whose changes are {@code these}. */
    private RecordedEvent event(String stream, Change... these) {
        changes.add(List.of(these));
        return log.append("account", stream, new AccountCreated(stream, BigDecimal.ONE, "EUR", Instant.EPOCH));
    }

    private List<Map<String, Object>> rows(String cypher) {
        try (Session session = driver.session()) {
            return session.run(cypher, Map.of("rm", namespace + "linked:v1")).list(r -> r.asMap());
        }
    }

    private static RelationshipChange via(String tracking, long leg, boolean delete) {
        return new RelationshipChange(SHIPMENT, tracking, "VIA", CARRIER, "DHL", Map.of("leg", leg), Map.of(),
                Map.of(), List.of("leg"), delete);
    }

    @Test
    void relationshipsBetweenOtherNodesAreToldApartByTheirKeyAndUnlinkedOneByOne() throws Exception {
        Neo4jDefinedReadModel model = model();
        event("s-1", via("T1", 1, false));
        event("s-1", via("T1", 2, false));
        model.projector().apply(new EventBatch(log.events(), log.head()));
        assertThat(rows("MATCH (:" + SHIPMENT + " {projhub_rm: $rm, key: 'T1'})-[r:VIA]->(:" + CARRIER
                + " {projhub_rm: $rm, key: 'DHL'}) RETURN r.leg AS leg ORDER BY leg"))
                .containsExactly(Map.of("leg", 1L), Map.of("leg", 2L));

        RecordedEvent unlink = event("s-1", via("T1", 1, true)); // a batch with an unlink runs step by step
        model.projector().apply(new EventBatch(List.of(unlink), unlink.logPosition()));
        assertThat(rows("MATCH (:" + SHIPMENT + " {projhub_rm: $rm})-[r:VIA]->() RETURN r.leg AS leg"))
                .containsExactly(Map.of("leg", 2L));
    }

    @Test
    void relationshipsOfADocumentNewInTheBatchAreCreatedOnceEachWithTheLaterPropertiesAndMergedAfterwards()
            throws Exception {
        Neo4jDefinedReadModel model = model();
        // d-1 is new in this batch: its relationships are CREATEd; the same relationship linked twice in the batch
        // is one relationship with the later event's properties, two lines of one product stay two.
        event("d-1", new DocumentChange("d-1", List.of()), contains("d-1", "widget", 1, 5));
        event("d-1", contains("d-1", "widget", 1, 7), contains("d-1", "widget", 2, 3));
        model.projector().apply(new EventBatch(log.events(), log.head()));
        assertThat(rows("MATCH (:" + DOC + " {projhub_rm: $rm, key: 'd-1'})-[r:CONTAINS]->(:" + PERSON
                + " {projhub_rm: $rm, key: 'widget'}) RETURN r.line AS line, r.quantity AS quantity ORDER BY line"))
                .containsExactly(Map.of("line", 1L, "quantity", 7L), Map.of("line", 2L, "quantity", 3L));

        // In a later batch d-1 exists: its relationship is merged, not created again, in the same batch as the
        // relationships of a new document d-2 (created): both kinds of step of one relationship type in one batch.
        RecordedEvent again = event("d-1", contains("d-1", "widget", 1, 9));
        RecordedEvent fresh = event("d-2", new DocumentChange("d-2", List.of()), contains("d-2", "widget", 1, 4));
        model.projector().apply(new EventBatch(List.of(again, fresh), fresh.logPosition()));
        assertThat(rows("MATCH (:" + DOC + " {projhub_rm: $rm, key: 'd-1'})-[r:CONTAINS]->() "
                + "RETURN r.line AS line, r.quantity AS quantity ORDER BY line"))
                .containsExactly(Map.of("line", 1L, "quantity", 9L), Map.of("line", 2L, "quantity", 3L));
        assertThat(rows("MATCH (:" + DOC + " {projhub_rm: $rm, key: 'd-2'})-[r:CONTAINS]->() "
                + "RETURN r.line AS line, r.quantity AS quantity"))
                .containsExactly(Map.of("line", 1L, "quantity", 4L));
    }

    private static RelationshipChange contains(String document, String product, long line, long quantity) {
        return new RelationshipChange(null, document, "CONTAINS", PERSON, product,
                Map.of("line", line, "quantity", quantity), Map.of(), Map.of(), List.of("line"), false);
    }

    @Test
    void aNodeSetByTwoKindsOfChangeInOneBatchKeepsTheLaterEventsValue() throws Exception {
        Neo4jDefinedReadModel model = model();
        event("d-1", new DocumentChange("d-1", List.of()),
                new RelationshipChange(null, "d-1", "KNOWS", PERSON, "p-1", Map.of(), Map.of(),
                        Map.of("name", "from the relationship"), List.of(), false));
        event("p-1", new NodeChange(PERSON, "p-1", Map.of("name", "from the node change")));
        model.projector().apply(new EventBatch(log.events(), log.head()));
        assertThat(rows("MATCH (p:" + PERSON + " {projhub_rm: $rm, key: 'p-1'}) RETURN p.name AS name"))
                .containsExactly(Map.of("name", "from the node change"));

        event("d-1", new RelationshipChange(null, "d-1", "KNOWS", PERSON, "p-1", Map.of(), Map.of(),
                Map.of("name", "later, from the relationship"), List.of(), false));
        event("p-2", new NodeChange(PERSON, "p-1", Map.of("name", "earlier kind, later event")));
        model.projector().apply(new EventBatch(log.events().subList(2, 4), log.head()));
        assertThat(rows("MATCH (p:" + PERSON + " {projhub_rm: $rm, key: 'p-1'}) RETURN p.name AS name"))
                .containsExactly(Map.of("name", "earlier kind, later event"));
    }

    @Test
    void aRelationshipNamingAnotherLabelOfTheDocumentsLinksTheDocumentItself() throws Exception {
        Neo4jDefinedReadModel model = model();
        event("d-1", new DocumentChange("d-1", List.of()),
                new RelationshipChange(null, "d-1", "NEXT", ALSO, "d-2", Map.of(), Map.of(), Map.of(), List.of(),
                        false));
        event("d-2", new DocumentChange("d-2", List.of()));
        model.projector().apply(new EventBatch(log.events(), log.head()));
        assertThat(rows("MATCH (n {projhub_rm: $rm}) RETURN n.key AS key, labels(n) AS labels ORDER BY key"))
                .extracting(r -> r.get("key") + " " + ((List<?>) r.get("labels")).containsAll(List.of(DOC, ALSO)))
                .containsExactly("d-1 true", "d-2 true");
        assertThat(rows("MATCH (:" + DOC + " {key: 'd-1', projhub_rm: $rm})-[r:NEXT]->(:" + DOC
                + " {key: 'd-2', projhub_rm: $rm}) RETURN count(r) AS n")).containsExactly(Map.of("n", 1L));
    }
}
