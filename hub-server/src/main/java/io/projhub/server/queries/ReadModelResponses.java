package io.projhub.server.queries;

import io.projhub.core.projection.ProjectionSubscriber;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.server.ResponseStatusException;

import io.projhub.core.projection.LaneStatus;
import io.projhub.core.projection.SubscriberStatus;
import io.projhub.server.projection.ReadModel;
import io.projhub.server.projection.ReadModels;

/**
 * Runs a query against one read model behind the consistency gate and puts what the gate saw in the headers:
 * {@code X-Read-Model-Position}, and {@code X-Consistency: stale} with {@code X-Consistency-Lag-Events} when the
 * read model had not reached the caller's token in time.
 *
 * <p>Dead letters: a query for the key of a stream held back behind a dead letter on that read model answers
 * {@code X-Consistency: stale} with {@code X-Consistency-Parked: 1}, token or not (the read model lacks events of
 * that stream it has passed). A query over many streams answers as usual and says with
 * {@code X-Consistency-Parked: <n>} how many streams of that read model are held back, so one poison event does not
 * make every later read-your-writes query stale.
 */
public final class ReadModelResponses {

    /** A query against a read model's store, allowed to fail with the store's exception. */
    @FunctionalInterface
    public interface StoreQuery<T> {
        T run() throws Exception;
    }

    private final ReadModels readModels;
    private final ConsistencyGate gate;
    private final ProjectionSubscriber subscriber;

    public ReadModelResponses(ReadModels readModels, ConsistencyGate gate, ProjectionSubscriber subscriber) {
        this.readModels = readModels;
        this.gate = gate;
        this.subscriber = subscriber;
    }

    public static final String PARKED_HEADER = "X-Consistency-Parked";

    /** A query over many streams of {@code readModel}. */
    public <T> ResponseEntity<T> answer(String readModel, String token, StoreQuery<T> query) throws Exception {
        return answer(readModel, null, token, query);
    }

    /**
     * A query for the key of one stream ({@code streamId}, null for a query over many streams). A null body is
     * returned as is (the caller answers 404 with {@link #headersOf}).
     */
    public <T> ResponseEntity<T> answer(String readModel, String streamId, String token, StoreQuery<T> query)
            throws Exception {
        return answer(readModel, java.util.List.of(), streamId, token, query);
    }

    /**
     * A query of {@code readModel} that also reads {@code alsoReads} (an order's details and its customer's): the
     * token is awaited in each, all within the one wait a query has, and the answer is consistent only if every one
     * of them reached it. The position and parked headers are {@code readModel}'s.
     */
    public <T> ResponseEntity<T> answer(String readModel, java.util.List<String> alsoReads, String streamId,
                                        String token, StoreQuery<T> query) throws Exception {
        ReadModel model = readModels.find(readModel).orElseThrow(() -> new ReadModelDisabledException(readModel));
        long started = System.nanoTime();
        ConsistencyGate.Outcome outcome = gate.await(model.name(), token);
        String staleReadModel = outcome.asked() && !outcome.consistent() ? readModel : null;
        for (String other : alsoReads) {
            if (outcome.asked() && readModels.find(other).isPresent()) {
                java.time.Duration left = gate.maxWait().minusNanos(System.nanoTime() - started);
                ConsistencyGate.Outcome also = gate.await(other, gate.parse(token),
                        left.isNegative() ? java.time.Duration.ZERO : left);
                if (also.asked() && !also.consistent() && staleReadModel == null) {
                    staleReadModel = other;
                }
            }
        }
        T body;
        try {
            body = query.run();
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException || e instanceof ResponseStatusException) {
                throw e;
            }
            throw new ReadModelUnavailableException(readModel, e);
        } catch (Exception e) {
            throw new ReadModelUnavailableException(readModel, e);
        }
        HttpHeaders headers = new HttpHeaders();
        if (outcome.readModelPosition() != null) {
            headers.add(ConsistencyGate.POSITION_HEADER, outcome.readModelPosition().token());
        }
        boolean streamParked = streamId != null && subscriber.parked(readModel, streamId);
        if (streamParked) {
            headers.add(ConsistencyGate.CONSISTENCY_HEADER, "stale");
            headers.add(PARKED_HEADER, "1");
        } else if (outcome.asked()) {
            headers.add(ConsistencyGate.CONSISTENCY_HEADER, staleReadModel == null ? "consistent" : "stale");
        }
        if (staleReadModel != null) {
            headers.add("X-Consistency-Lag-Events", String.valueOf(lagEvents(staleReadModel)));
        }
        if (streamId == null) {
            long parkedStreams = parkedStreams(readModel);
            if (parkedStreams > 0) {
                headers.add(PARKED_HEADER, String.valueOf(parkedStreams));
            }
        }
        return ResponseEntity.ok().headers(headers).body(body);
    }

    private long parkedStreams(String readModel) {
        SubscriberStatus status = subscriber.status();
        return status.lanes().stream().filter(l -> l.name().equals(readModel)).mapToLong(LaneStatus::parkedStreams)
                .findFirst().orElse(0);
    }

    private long lagEvents(String readModel) {
        SubscriberStatus status = subscriber.status();
        return status.lanes().stream().filter(l -> l.name().equals(readModel)).mapToLong(LaneStatus::lagEvents)
                .findFirst().orElse(-1);
    }

    /** The store behind the read model failed to answer (down, unreachable, timing out): a 503, never a 500. */
    public static final class ReadModelUnavailableException extends ResponseStatusException {
        public ReadModelUnavailableException(String readModel, Throwable cause) {
            super(HttpStatus.SERVICE_UNAVAILABLE, "The " + readModel + " read model's store did not answer: "
                    + cause.getClass().getSimpleName(), cause);
        }
    }

    /**
     * The read model that answers this query is not running in this hub: its definition file is not loaded (or
     * describes another store), or its store is switched off.
     */
    public static final class ReadModelDisabledException extends ResponseStatusException {
        public ReadModelDisabledException(String readModel) {
            super(HttpStatus.NOT_FOUND, "The " + readModel + " read model is not running in this hub: read-models/"
                    + readModel + ".yaml is not loaded or its store is switched off");
        }
    }
}
