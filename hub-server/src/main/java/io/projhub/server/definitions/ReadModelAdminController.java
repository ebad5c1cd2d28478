package io.projhub.server.definitions;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import io.projhub.core.domain.StreamIds;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.DefinitionException;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.DeleteDocument;
import io.projhub.definitions.changes.DocumentChange;
import io.projhub.definitions.changes.DocumentFold;
import io.projhub.server.web.InvalidParameterException;
import io.projhub.server.web.StrictRequestBody;
import io.swagger.v3.oas.annotations.Operation;

/** Admin actions on the read models of definition files: reload the folder, preview a definition, drop the data of a deleted one. */
@RestController
public class ReadModelAdminController {

    /** How many events of a stream a preview runs through the definition. */
    static final int MAX_PREVIEW_EVENTS = 1000;

    private final ReadModelDefinitions definitions;
    private final EventStore store;

    public ReadModelAdminController(ReadModelDefinitions definitions,
                                    @org.springframework.beans.factory.annotation.Qualifier("eventStore") EventStore store) {
        this.definitions = definitions;
        this.store = store;
    }

    /** The body of a preview: a definition file's text and the stream to run through it. */
    public record PreviewRequest(String definition, String streamId) implements StrictRequestBody {
    }

    @Operation(summary = "Load the definition folder again",
            description = "Applies what changed (new read models start catching up, removed ones stop; a changed "
                    + "file needs a new version). With any error nothing changes: 400 lists every error as "
                    + "file:line:column: what is wrong.")
    @PostMapping("/api/admin/read-models/reload")
    public ResponseEntity<Object> reload() throws Exception {
        try {
            return ResponseEntity.ok(definitions.reload());
        } catch (DefinitionException e) {
            return refused("The read-model definitions were not reloaded; the hub keeps running the previous set", e);
        }
    }

    @Operation(summary = "What a definition would write for one stream, without writing it",
            description = "Compiles the definition (400 with every error if it is wrong) and runs the stream's events "
                    + "through it: the changes per event, and the documents they give.")
    @PostMapping("/api/admin/read-models/preview")
    public ResponseEntity<Object> preview(@RequestBody PreviewRequest request) {
        if (request == null || request.definition() == null || request.definition().isBlank()) {
            throw new InvalidParameterException("definition", "definition must hold the text of a definition file");
        }
        StreamIds.require("streamId", request.streamId());
        ReadModelProgram program;
        try {
            program = definitions.loader().compile("preview.yaml", request.definition());
        } catch (DefinitionException e) {
            return refused("The definition is not valid", e);
        }
        List<RecordedEvent> events = store.readStream(request.streamId(), 1, MAX_PREVIEW_EVENTS);
        List<Map<String, Object>> perEvent = new ArrayList<>();
        Map<String, Map<String, Object>> documents = new LinkedHashMap<>();
        String failure = null;
        for (RecordedEvent event : events) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("version", event.version());
            entry.put("type", event.type());
            try {
                List<Change> changes = program.usesDocument()
                        ? program.changes(event, documents.getOrDefault(program.keyOf(event), Map.of()))
                        : program.changes(event);
                entry.put("changes", changes.stream().map(ReadModelAdminController::describe).toList());
                for (Change change : changes) {
                    if (change instanceof DocumentChange doc) {
                        documents.put(doc.key(), DocumentFold.apply(documents.getOrDefault(doc.key(), Map.of()),
                                doc.ops()));
                    } else if (change instanceof DeleteDocument delete) {
                        documents.remove(delete.key());
                    }
                }
            } catch (ChangeFailure e) {
                entry.put("error", e.getMessage());
                failure = e.getMessage();
            }
            perEvent.add(entry);
            if (failure != null) {
                break;
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("readModel", program.definition().name());
        body.put("store", program.definition().store().id());
        body.put("streamId", request.streamId());
        body.put("events", perEvent);
        body.put("documents", json(documents));
        if (failure != null) {
            body.put("error", failure);
        }
        return ResponseEntity.ok(body);
    }

    @Operation(summary = "Rebuild a read model from the start of the log, beside the live one",
            description = "The next build of the read model's version fills from the start of the log under names of "
                    + "its own (lane <name>~v<version>r<n>, progress and ETA in /api/lanes) while the live build keeps "
                    + "answering every query; queries switch to the new build once it has caught up, and the old one "
                    + "is kept for projhub.read-models.keep-previous (switch-back) before it is dropped. 404 for an "
                    + "unknown read model, 409 while a build of it is running, 503 if its store cannot prepare the "
                    + "new build.")
    @PostMapping("/api/admin/read-models/{name}/rebuild")
    public ResponseEntity<Map<String, Object>> rebuild(@PathVariable String name) {
        String lane;
        try {
            lane = definitions.rebuild(name);
        } catch (IllegalArgumentException e) {
            throw new org.springframework.web.server.ResponseStatusException(HttpStatus.NOT_FOUND, e.getMessage());
        } catch (IllegalStateException e) {
            throw new org.springframework.web.server.ResponseStatusException(HttpStatus.CONFLICT, e.getMessage());
        } catch (ReadModelDefinitions.BuildNotPrepared e) {
            throw new org.springframework.web.server.ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE,
                    e.getMessage());
        } catch (Exception e) {
            throw new org.springframework.web.server.ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE,
                    "The rebuild of " + name + " could not be recorded: " + e.getClass().getSimpleName());
        }
        return ResponseEntity.accepted().body(Map.of("readModel", name, "status", "rebuilding", "lane", lane,
                "progress", "/api/lanes"));
    }

    @Operation(summary = "Go back to the previous version of a read model",
            description = "Within projhub.read-models.keep-previous of a switch: the previous version builds beside "
                    + "the live one again from where it stopped, and queries switch to it once it has caught up. "
                    + "The file still names the newer version: the next reload builds that one again.")
    @PostMapping("/api/admin/read-models/{name}/switch-back")
    public ResponseEntity<Map<String, Object>> switchBack(@PathVariable String name) {
        try {
            int version = definitions.switchBack(name);
            return ResponseEntity.accepted().body(Map.of("readModel", name, "building", version));
        } catch (IllegalArgumentException e) {
            throw new org.springframework.web.server.ResponseStatusException(HttpStatus.NOT_FOUND, e.getMessage());
        } catch (IllegalStateException e) {
            throw new org.springframework.web.server.ResponseStatusException(HttpStatus.CONFLICT, e.getMessage());
        }
    }

    @Operation(summary = "Drop the data of a read model whose definition file was deleted",
            description = "404 if no deleted read model has that name; 409 while its file is still in the folder.")
    @DeleteMapping("/api/admin/read-models/{name}")
    public ResponseEntity<Void> drop(@PathVariable String name) throws Exception {
        try {
            if (!definitions.drop(name)) {
                throw new org.springframework.web.server.ResponseStatusException(HttpStatus.NOT_FOUND,
                        "No deleted read model is named " + name + " (only a read model whose definition file was "
                                + "removed and reloaded can be dropped)");
            }
        } catch (IllegalStateException e) {
            throw new org.springframework.web.server.ResponseStatusException(HttpStatus.CONFLICT, e.getMessage());
        }
        return ResponseEntity.noContent().build();
    }

    private static ResponseEntity<Object> refused(String title, DefinitionException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                e.errors().size() + " error(s) in the read-model definitions");
        problem.setTitle(title);
        problem.setProperty("errors", e.errors().stream().map(Object::toString).toList());
        return ResponseEntity.badRequest().body(problem);
    }

    /** A change as JSON: its kind and its fields. */
    private static Map<String, Object> describe(Change change) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", change.getClass().getSimpleName());
        for (var component : change.getClass().getRecordComponents()) {
            try {
                Object value = component.getAccessor().invoke(change);
                out.put(component.getName(), value instanceof List<?> list ? list.stream()
                        .map(ReadModelAdminController::op).toList() : json(value));
            } catch (ReflectiveOperationException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return out;
    }

    private static Object op(Object value) {
        if (value instanceof Record record) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("op", record.getClass().getSimpleName());
            for (var component : record.getClass().getRecordComponents()) {
                try {
                    out.put(component.getName(), json(component.getAccessor().invoke(record)));
                } catch (ReflectiveOperationException ex) {
                    throw new IllegalStateException(ex);
                }
            }
            return out;
        }
        return json(value);
    }

    /** Values as JSON shows them: timestamps ISO-8601, decimals exact. */
    private static Object json(Object value) {
        if (value instanceof Instant instant) {
            return instant.toString();
        }
        if (value instanceof BigDecimal decimal) {
            return decimal;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), json(v)));
            return out;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(ReadModelAdminController::json).toList();
        }
        return value;
    }
}
