package io.projhub.server.definitions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.projhub.core.projection.LaneStatus;
import io.projhub.core.projection.ProjectionSubscriber;
import io.projhub.definitions.DefinitionLoader;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.ReadModelDefinition;
import io.projhub.definitions.DefinedReadModel;
import io.projhub.server.projection.ReadModel;
import io.projhub.server.projection.ReadModels;
import io.projhub.server.queries.ConsistencyGate;
import io.projhub.server.queries.QueryParameters;
import io.projhub.server.queries.ReadModelResponses;
import io.swagger.v3.oas.annotations.Operation;

/**
 * The read models this hub runs, the definition format's JSON Schema, and the document lookup every read model of a
 * definition file has. Store-specific queries are in {@link DefinedQueryController}.
 */
@RestController
public class ReadModelController {

    private final ReadModels readModels;
    private final ProjectionSubscriber subscriber;
    private final ReadModelResponses responses;

    public ReadModelController(ReadModels readModels, ProjectionSubscriber subscriber, ReadModelResponses responses) {
        this.readModels = readModels;
        this.subscriber = subscriber;
        this.responses = responses;
    }

    /** One read model as the API lists it. */
    public record ReadModelView(String name, String kind, String store, Integer version, int generation, String file,
                                String target, List<String> eventTypes, Map<String, String> fields, String state,
                                String position, long lagEvents, double lagSeconds, Double etaSeconds,
                                long deadLetters) {
    }

    @Operation(summary = "The read models this hub runs",
            description = "The read models of the definition files: store, version, build generation (one more "
                    + "after each rebuild), file, state, position, lag. A build running beside the live one is "
                    + "listed as kind building.")
    @GetMapping("/api/read-models")
    public List<ReadModelView> list() {
        Map<String, LaneStatus> lanes = lanes();
        List<ReadModelView> views = new ArrayList<>();
        for (ReadModel model : readModels.all()) {
            views.add(view(model, lanes.get(model.name())));
        }
        return views;
    }

    @Operation(summary = "The JSON Schema of read-model definition files")
    @GetMapping(path = "/api/read-models/schema", produces = {"application/schema+json", MediaType.APPLICATION_JSON_VALUE})
    public ResponseEntity<String> schema() {
        return ResponseEntity.ok().contentType(MediaType.parseMediaType("application/schema+json"))
                .body(DefinitionLoader.schema());
    }

    @Operation(summary = "One read model")
    @GetMapping("/api/read-models/{name}")
    public ReadModelView one(@PathVariable String name) {
        ReadModel model = readModels.find(name).orElseThrow(() -> notFound(name));
        return view(model, lanes().get(name));
    }

    @Operation(summary = "One document of a read model of a definition file",
            description = "The Elasticsearch document, Redis hash, Neo4j node with its relationships (depth 1 or 2), "
                    + "PostgreSQL row with its child rows, or the latest point of an InfluxDB series "
                    + "(key: tag=value,tag=value). Honours X-Consistency-Token.")
    @GetMapping("/api/read-models/{name}/documents/{key}")
    public ResponseEntity<Map<String, Object>> document(@PathVariable String name, @PathVariable String key,
            @RequestParam(required = false) String depth,
            @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token) throws Exception {
        DefinedReadModel defined = defined(readModels, name);
        int levels = QueryParameters.boundedInt("depth", depth, 1, 2, 1);
        if (key.isBlank() || key.length() > 512) {
            throw new io.projhub.server.web.InvalidParameterException("key", "key must be 1 to 512 characters");
        }
        ResponseEntity<Map<String, Object>> answer = responses.answer(name, key, token,
                () -> defined.document(key, levels).orElse(null));
        if (answer.getBody() == null) {
            throw new DocumentNotFoundException(name, key);
        }
        return answer;
    }

    static DefinedReadModel defined(ReadModels readModels, String name) {
        ReadModel model = readModels.find(name).orElseThrow(() -> notFound(name));
        if (model.defined() == null) {
            throw notFound(name);
        }
        return model.defined();
    }

    static ResponseStatusException notFound(String name) {
        return new ResponseStatusException(HttpStatus.NOT_FOUND, "No read model is named " + name);
    }

    private Map<String, LaneStatus> lanes() {
        Map<String, LaneStatus> lanes = new LinkedHashMap<>();
        subscriber.status().lanes().forEach(lane -> lanes.put(lane.name(), lane));
        return lanes;
    }

    private static ReadModelView view(ReadModel model, LaneStatus lane) {
        String state = lane == null ? "STOPPED" : lane.state().name();
        String position = lane == null || lane.checkpoint() == null ? null : lane.checkpoint().token();
        long lag = lane == null ? 0 : lane.lagEvents();
        double lagSeconds = lane == null ? 0 : lane.lagSeconds();
        Double eta = lane == null ? null : lane.catchUpEtaSeconds();
        long deadLetters = lane == null ? 0 : lane.deadLetters();
        List<String> types = model.projector().eventTypes().stream().sorted().toList();
        ReadModelDefinition definition = model.defined().program().definition();
        Map<String, String> fields = new LinkedHashMap<>();
        for (FieldSpec field : definition.fields().values()) {
            fields.put(field.name(), field.type().id() + (field.elementType() == null ? "" : "<"
                    + field.elementType().id() + ">"));
        }
        return new ReadModelView(model.name(), model.name().contains("~") ? "building" : "definition",
                definition.store().id(), definition.version(), model.defined().generation(),
                definition.source(), definition.target().ownedName(definition.store()), types, fields, state,
                position, lag, lagSeconds, eta, deadLetters);
    }

    /** No document with that key (404, with the consistency headers the read gave). */
    public static final class DocumentNotFoundException extends ResponseStatusException {
        public DocumentNotFoundException(String name, String key) {
            super(HttpStatus.NOT_FOUND, "The read model " + name + " has no document " + key);
        }
    }
}
