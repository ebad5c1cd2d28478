package io.projhub.projectors.elasticsearch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.VersionType;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.get.GetResult;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.order.OrderCancelled;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderItem;
import io.projhub.core.domain.order.OrderShipped;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.Projector;

/**
 * Orders as searchable documents in Elasticsearch, one per order (id = the order's stream id).
 *
 * <p>Each document is indexed with <em>external versioning</em>, the version being the global {@code position} of
 * the last event folded into it (positions grow with stream versions), so a replayed or late event can never
 * overwrite newer data: Elasticsearch answers 409, which counts as success. Partial updates cannot carry external
 * versions, so whole documents are written: for an order whose batch events do not start with its
 * {@code OrderCreated}, the current documents are read first with one {@code _mget}, events the document already
 * holds ({@code streamVersion}) are skipped, and the rest are folded in memory. A batch costs one {@code _bulk}
 * (plus that {@code _mget} when needed), then one write of the checkpoint document; no refresh on this path.
 *
 * <p>The checkpoint is written after the documents, as a plain index of a document holding both
 * {@code txId} and {@code position}: the lane moves it forward in {@code (txId, position)} order, which
 * {@code position} alone (an external version) would not follow. A redelivery never writes it (its checkpoint is
 * the current one), so a re-drive can never move it backwards.
 *
 * <p>A skipped event ({@link #recordSkipped}) is a document of the skipped-versions index, never of the orders: its
 * external version is the stream version, so it can only rise. An order's events up to that version count as
 * applied. If the skipped event was the order's OrderCreated, there is no document to change: the order's later
 * events raise the skipped version instead. Skip records are read only when they can matter (a redelivery, or a
 * change of an order without document), so the usual batch costs nothing more.
 */
public final class ElasticsearchOrderProjector implements Projector {

    public static final String NAME = "elasticsearch";

    private static final Set<String> EVENT_TYPES = Set.of(OrderCreated.TYPE, "OrderShipped", "OrderCancelled");

    private final ElasticsearchClient client;
    private final ElasticsearchOrderIndex index;
    private final ElasticsearchProbe probe;
    private final EventTypeRegistry registry = DomainEventTypes.registry();
    private volatile boolean indicesReady;

    /**
     * @param namespace a prefix of every index name ("" for the hub; tests pass their own)
     */
    public ElasticsearchOrderProjector(ElasticsearchClient client, String namespace) {
        this.client = client;
        this.index = new ElasticsearchOrderIndex(client, namespace);
        this.probe = new ElasticsearchProbe(client, namespace);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> eventTypes() {
        return EVENT_TYPES;
    }

    /** Creates the indices (with explicit mappings) if missing; the lane's first call to the projector does it too. */
    public void start() throws IOException {
        index.ensureCreated();
        indicesReady = true;
    }

    /** Deletes the order index and the checkpoint document's index, then creates them empty. */
    @Override
    public void reset() throws IOException {
        index.deleteAll();
        indicesReady = false;
        start();
    }

    @Override
    public LogPosition checkpoint() throws IOException {
        ensureStarted();
        return probe.checkpoint();
    }

    /** Raises the stream's skip record to {@code version}; a record already as high stays (Elasticsearch's 409). */
    @Override
    public void recordSkipped(String streamId, long version) throws IOException, ElasticsearchBulkException {
        ensureStarted();
        writeSkipped(Map.of(streamId, version));
    }

    @Override
    public void apply(EventBatch batch) throws Exception {
        ensureStarted();
        Map<String, List<Change>> byOrder = decode(batch.events());
        if (!byOrder.isEmpty()) {
            // A redelivery may bring a skipped event again: every order's skip record is read first. Otherwise only
            // a change of an order without document needs one (the order's creation may have been skipped).
            Map<String, Long> redelivered = batch.redelivery() ? skippedVersions(byOrder.keySet()) : Map.of();
            List<String> toRead = byOrder.entrySet().stream()
                    .filter(e -> !(e.getValue().get(0).data() instanceof OrderCreated)
                            || redelivered.containsKey(e.getKey()))
                    .map(Map.Entry::getKey)
                    .toList();
            Map<String, Current> current = currentDocuments(toRead);
            Map<String, Long> skipped = batch.redelivery() ? redelivered
                    : skippedVersions(toRead.stream().filter(id -> !current.containsKey(id)).toList());
            List<BulkOperation> operations = new ArrayList<>();
            Map<String, Long> skippedNow = new HashMap<>();
            for (Map.Entry<String, List<Change>> order : byOrder.entrySet()) {
                String orderId = order.getKey();
                Current base = current.getOrDefault(orderId, Current.NONE);
                Folded folded = fold(orderId, base, skipped.getOrDefault(orderId, 0L), order.getValue());
                if (folded.current() != base) {
                    operations.add(BulkOperation.of(op -> op.index(i -> i
                            .id(orderId)
                            .version(folded.current().position())
                            .versionType(VersionType.External)
                            .document(folded.current().document()))));
                }
                if (folded.skipped() > 0) {
                    skippedNow.put(orderId, folded.skipped());
                }
            }
            if (!operations.isEmpty()) {
                // require_alias: a missing alias fails the items instead of auto-creating an index with dynamic
                // mappings.
                throwIfFailed(client.bulk(b -> b.index(index.alias()).requireAlias(true).operations(operations)));
            }
            writeSkipped(skippedNow);
        }
        if (!batch.redelivery()) {
            writeCheckpoint(batch.checkpoint());
        }
    }

    /**
     * Writes exactly {@code checkpoint}, also backwards: the checkpoint document is indexed without an external
     * version, so nothing refuses a lower one (the lane itself only ever moves it forward). Recovery only, with the
     * lane stopped.
     */
    @Override
    public void overwriteCheckpoint(LogPosition checkpoint) throws IOException {
        ensureStarted();
        writeCheckpoint(checkpoint);
    }

    private void writeCheckpoint(LogPosition checkpoint) throws IOException {
        client.index(i -> i.index(index.checkpointIndex()).id(NAME).document(CheckpointDocument.of(checkpoint)));
    }

    /**
     * TRANSIENT: the cluster's condition: a request answered 408, 429 or 5xx (502 to 504 reach us as the low-level
     * client's ResponseException, an I/O failure), a bulk whose failed items all are (e.g. 429
     * es_rejected_execution_exception), a missing index, I/O failures. PERMANENT: the data, e.g. a 400
     * mapper_parsing_exception item; also a bulk mixing both, which the lane then splits down to the bad event.
     */
    @Override
    public FailureKind classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ElasticsearchBulkException bulk) {
                return bulk.isTransient() ? FailureKind.TRANSIENT : FailureKind.PERMANENT;
            }
            if (t instanceof ElasticsearchException es) {
                int status = es.status();
                boolean missingIndex = es.error() != null && "index_not_found_exception".equals(es.error().type());
                return status == 408 || status == 429 || status >= 500 || missingIndex
                        ? FailureKind.TRANSIENT : FailureKind.PERMANENT;
            }
        }
        return Projector.super.classify(failure);
    }

    private void ensureStarted() throws IOException {
        if (!indicesReady) {
            start();
        }
    }

    /** An event of an order with its decoded record. */
    private record Change(RecordedEvent event, Object data) {
    }

    /** An order's document and the external version (position) it was written with; NONE if there is none. */
    private record Current(OrderDocument document, long position) {
        static final Current NONE = new Current(null, 0);

        long streamVersion() {
            return document == null ? 0 : document.streamVersion();
        }
    }

    private Map<String, List<Change>> decode(List<RecordedEvent> events) {
        Map<String, List<Change>> byOrder = new LinkedHashMap<>();
        for (RecordedEvent event : events) {
            if (EVENT_TYPES.contains(event.type())) {
                byOrder.computeIfAbsent(event.streamId(), id -> new ArrayList<>())
                        .add(new Change(event, registry.toObject(event)));
            }
        }
        return byOrder;
    }

    /** An order's document after folding its changes, and the version its skip record rises to (0: unchanged). */
    private record Folded(Current current, long skipped) {
    }

    /**
     * The documents of these orders (those whose batch events do not start with their creation, and those with a
     * skip record), in one {@code _mget} (real-time, so no refresh is needed). Other orders created in this batch
     * are folded from nothing: the batch holds their whole history, and external versioning rejects the write if
     * the store already has it.
     */
    private Map<String, Current> currentDocuments(List<String> ids) throws IOException {
        Map<String, Current> current = new HashMap<>();
        if (ids.isEmpty()) {
            return current;
        }
        MgetResponse<OrderDocument> found = client.mget(m -> m.index(index.alias()).ids(ids), OrderDocument.class);
        for (MultiGetResponseItem<OrderDocument> item : found.docs()) {
            if (item.isFailure()) {
                throw new IOException("mget of order " + item.failure().id() + " failed: "
                        + item.failure().error().reason());
            }
            GetResult<OrderDocument> result = item.result();
            if (result.found() && result.source() != null) {
                current.put(result.id(), new Current(result.source(), result.version() == null ? 0 : result.version()));
            }
        }
        return current;
    }

    /** The skip records of these streams that have one, in one {@code _mget}. */
    private Map<String, Long> skippedVersions(Collection<String> ids) throws IOException {
        Map<String, Long> skipped = new HashMap<>();
        if (ids.isEmpty()) {
            return skipped;
        }
        MgetResponse<SkippedVersionDocument> found = client.mget(
                m -> m.index(index.skippedIndex()).ids(List.copyOf(ids)), SkippedVersionDocument.class);
        for (MultiGetResponseItem<SkippedVersionDocument> item : found.docs()) {
            if (item.isFailure()) {
                throw new IOException("mget of skipped version " + item.failure().id() + " failed: "
                        + item.failure().error().reason());
            }
            GetResult<SkippedVersionDocument> result = item.result();
            if (result.found() && result.source() != null) {
                skipped.put(result.id(), result.source().streamVersion());
            }
        }
        return skipped;
    }

    /**
     * Folds the events the document does not hold yet and that were not skipped; the folded state is {@code base}
     * itself if there is nothing to write. Changes of an order whose creation was skipped raise its skip record.
     */
    private static Folded fold(String orderId, Current base, long skippedVersion, List<Change> changes) {
        Current state = base;
        long applied = Math.max(base.streamVersion(), skippedVersion);
        long skipped = 0;
        for (Change change : changes) {
            RecordedEvent event = change.event();
            if (event.version() <= applied) {
                continue; // already in the document, or skipped: a replay or a duplicate
            }
            applied = event.version();
            if (!(change.data() instanceof OrderCreated) && state.document() == null && skippedVersion > 0) {
                skipped = event.version(); // the order's creation was skipped: no document to change
                continue;
            }
            OrderDocument next;
            if (change.data() instanceof OrderCreated c) {
                next = new OrderDocument(event.streamId(), c.customerId(), c.customerName(),
                        c.items() == null ? List.of() : c.items().stream().map(OrderItem::name).distinct().toList(),
                        "CREATED", c.totalAmount(), c.currency(), c.createdAt(), null, null, null, null,
                        event.version());
            } else if (change.data() instanceof OrderShipped s) {
                next = requireCreated(orderId, state, event)
                        .shipped(s.carrier(), s.trackingNumber(), s.shippedAt(), event.version());
            } else if (change.data() instanceof OrderCancelled c) {
                next = requireCreated(orderId, state, event).cancelled(c.cancelledAt(), event.version());
            } else {
                throw new IllegalArgumentException("Unexpected event " + event.type());
            }
            state = new Current(next, event.position());
        }
        return new Folded(state, skipped);
    }

    /**
     * A change to an order that has no document cannot be applied (its OrderCreated was not applied, e.g. it is in
     * the dead-letter table): the event fails permanently, to be replayed after it.
     */
    private static OrderDocument requireCreated(String orderId, Current state, RecordedEvent event) {
        if (state.document() == null) {
            throw new IllegalStateException(event.type() + " " + orderId + "@" + event.version()
                    + " cannot be applied: the order has no document (its OrderCreated is not applied)");
        }
        return state.document();
    }

    /** Raises each stream's skip record to its version: external versions, so a record already as high stays (409). */
    private void writeSkipped(Map<String, Long> versions) throws IOException, ElasticsearchBulkException {
        if (versions.isEmpty()) {
            return;
        }
        List<BulkOperation> operations = new ArrayList<>();
        versions.forEach((streamId, version) -> operations.add(BulkOperation.of(op -> op.index(i -> i
                .id(streamId)
                .version(version)
                .versionType(VersionType.External)
                .document(new SkippedVersionDocument(version))))));
        throwIfFailed(client.bulk(b -> b.index(index.skippedIndex()).operations(operations)));
    }

    /** Throws the items of a {@code _bulk} that failed other than by a version conflict (an older or equal write). */
    static void throwIfFailed(BulkResponse response) throws ElasticsearchBulkException {
        if (!response.errors()) {
            return;
        }
        List<ElasticsearchBulkException.ItemFailure> failures = new ArrayList<>();
        for (BulkResponseItem item : response.items()) {
            if (item.error() != null && item.status() != 409) {
                failures.add(new ElasticsearchBulkException.ItemFailure(item.id(), item.status(), item.error().type(),
                        item.error().reason()));
            }
        }
        if (!failures.isEmpty()) {
            throw new ElasticsearchBulkException(failures);
        }
    }
}
