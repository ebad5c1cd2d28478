package io.projhub.server.commands;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.server.projection.ReadModel;
import io.projhub.server.projection.ReadModels;
import io.projhub.server.queries.ConsistencyGate;
import io.projhub.server.queries.ReadModelWaits;
import io.projhub.server.web.InvalidParameterException;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The seed's strong consistency, per command: with {@code X-Consistency-Level: strong} a command (or an append) is
 * answered once every read model that handles the events it appended has applied them and made them visible to its
 * queries ({@code X-Consistency: consistent}), or after {@code projhub.commands.strong-wait} as 202 with
 * {@code X-Consistency: stale}, the token and the read models still behind in {@code X-Consistency-Lagging}.
 * {@code X-Consistency-Read-Models: order-search,order-stats} narrows the wait to those read models. No distributed
 * transaction: the events are appended (and stay appended) either way; only the answer waits.
 *
 * <p>{@code eventual} (the default) and {@code causal} answer at once with the token; under {@code causal} the
 * client passes the highest token it has seen to every query ({@code X-Consistency-Token}), see the README.
 */
@ControllerAdvice
public class StrongConsistency implements ResponseBodyAdvice<Object> {

    public static final String LEVEL_HEADER = "X-Consistency-Level";
    public static final String READ_MODELS_HEADER = "X-Consistency-Read-Models";
    public static final String LAGGING_HEADER = "X-Consistency-Lagging";
    static final String CHOICE = StrongConsistency.class.getName() + ".choice";

    /** What a command asked for: strong or not, and (strong only) the read models to wait for; null = all. */
    record Choice(boolean strong, Set<String> readModels) {
        static final Choice EVENTUAL = new Choice(false, null);
    }

    private final ReadModels readModels;
    private final ConsistencyGate gate;
    private final EventStore store;
    private final Duration strongWait;

    public StrongConsistency(ReadModels readModels, ConsistencyGate gate, @Qualifier("eventStore") EventStore store,
                             @Value("${projhub.commands.strong-wait:5s}") Duration strongWait) {
        this.readModels = readModels;
        this.gate = gate;
        this.store = store;
        this.strongWait = strongWait;
    }

    /** Reads and checks the consistency headers of a command before it runs (a bad one: 400, nothing appended). */
    Choice choose(HttpServletRequest request) {
        String level = request.getHeader(LEVEL_HEADER);
        String only = request.getHeader(READ_MODELS_HEADER);
        boolean strong = false;
        if (level != null && !level.isBlank()) {
            switch (level.strip().toLowerCase(Locale.ROOT)) {
                case "strong" -> strong = true;
                case "eventual", "causal" -> strong = false;
                default -> throw new InvalidParameterException(LEVEL_HEADER,
                        LEVEL_HEADER + " must be strong, eventual or causal");
            }
        }
        Set<String> narrowed = null;
        if (only != null && !only.isBlank()) {
            if (!strong) {
                throw new InvalidParameterException(READ_MODELS_HEADER,
                        READ_MODELS_HEADER + " needs " + LEVEL_HEADER + ": strong");
            }
            narrowed = new LinkedHashSet<>();
            for (String name : only.split(",")) {
                String n = name.strip();
                if (readModels.find(n).isEmpty()) {
                    throw new InvalidParameterException(READ_MODELS_HEADER, READ_MODELS_HEADER + " names "
                            + (n.length() > 40 ? n.substring(0, 40) + "…" : n)
                            + ", which is not a read model this hub runs (it runs " + readModels.names() + ")");
                }
                narrowed.add(n);
            }
        }
        Choice choice = strong ? new Choice(true, narrowed) : Choice.EVENTUAL;
        request.setAttribute(CHOICE, choice);
        return choice;
    }

    @Override
    public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
        return true;
    }

    @Override
    public Object beforeBodyWrite(Object body, MethodParameter returnType, MediaType contentType,
                                  Class<? extends HttpMessageConverter<?>> converterType, ServerHttpRequest request,
                                  ServerHttpResponse response) {
        if (!(body instanceof CommandResponse command) || !(request instanceof ServletServerHttpRequest servlet)
                || !(servlet.getServletRequest().getAttribute(CHOICE) instanceof Choice choice) || !choice.strong()) {
            return body;
        }
        LogPosition position = LogPosition.parse(command.position());
        List<String> targets;
        List<String> lagging;
        try {
            targets = targets(command, position, choice.readModels());
            lagging = awaitAll(targets, position);
        } catch (RuntimeException e) {
            // The command is committed: never answer it with an error (a retry without an Idempotency-Key would
            // append twice). Say it could not be confirmed.
            targets = List.of();
            lagging = List.of("unknown: " + e.getClass().getSimpleName());
        }
        response.getHeaders().set(ConsistencyGate.TOKEN_HEADER, command.position());
        response.getHeaders().set(READ_MODELS_HEADER, String.join(",", targets));
        if (lagging.isEmpty()) {
            response.getHeaders().set(ConsistencyGate.CONSISTENCY_HEADER, "consistent");
        } else {
            response.getHeaders().set(ConsistencyGate.CONSISTENCY_HEADER, "stale");
            response.getHeaders().set(LAGGING_HEADER, String.join(",", lagging));
            response.setStatusCode(HttpStatus.ACCEPTED);
        }
        return body;
    }

    /** The read models that handle the events this command appended (its transaction's events of its stream). */
    private List<String> targets(CommandResponse command, LogPosition position, Set<String> narrowed) {
        Set<String> types = new LinkedHashSet<>();
        long from = Math.max(1, command.version() - EventStore.MAX_EVENTS_PER_APPEND + 1);
        for (RecordedEvent e : store.readStream(command.streamId(), from, command.version())) {
            if (e.txId() == position.txId()) {
                types.add(e.type());
            }
        }
        List<String> targets = new ArrayList<>();
        for (ReadModel model : readModels.all()) {
            boolean handles = model.projector().eventTypes().stream().anyMatch(types::contains);
            if (handles && (narrowed == null || narrowed.contains(model.name()))) {
                targets.add(model.name());
            }
        }
        return targets;
    }

    private List<String> awaitAll(List<String> targets, LogPosition position) {
        ReadModelWaits waits = gate.waits();
        Map<String, CompletableFuture<LogPosition>> pending = new LinkedHashMap<>();
        for (String name : targets) {
            pending.put(name, waits.await(name, position));
        }
        long deadline = System.nanoTime() + strongWait.toNanos();
        List<String> lagging = new ArrayList<>();
        for (Map.Entry<String, CompletableFuture<LogPosition>> entry : pending.entrySet()) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (entry.getValue().get(left, TimeUnit.NANOSECONDS) == null) {
                    lagging.add(entry.getKey());
                }
            } catch (TimeoutException e) {
                waits.cancel(entry.getValue());
                lagging.add(entry.getKey());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                waits.cancel(entry.getValue());
                lagging.add(entry.getKey());
            } catch (java.util.concurrent.ExecutionException e) {
                lagging.add(entry.getKey());
            }
        }
        return lagging;
    }
}
