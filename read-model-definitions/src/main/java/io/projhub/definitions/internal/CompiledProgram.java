package io.projhub.definitions.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.PartKeys;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.ReadModelDefinition;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.StoreKind;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.ChangeKeys;

/** A compiled definition: per event type, its actions, each with an optional condition and key. */
final class CompiledProgram implements ReadModelProgram {

    /** One action of an event type, with its {@code when} and {@code key} (null: always, the definition's key). */
    record Entry(Expression when, Expression key, Action action) {
    }

    private final ReadModelDefinition definition;
    private final String hash;
    private final Expression key;
    private final Map<String, List<Entry>> byType;

    private final boolean usesDocument;
    private final String text;

    CompiledProgram(ReadModelDefinition definition, String hash, Expression key, Map<String, List<Entry>> byType,
                    boolean usesDocument, String text) {
        this.text = text;
        this.definition = definition;
        this.hash = hash;
        this.key = key;
        this.byType = Map.copyOf(byType);
        this.usesDocument = usesDocument;
    }

    @Override
    public String text() {
        return text;
    }

    @Override
    public boolean usesDocument() {
        return usesDocument;
    }

    @Override
    public String keyOf(RecordedEvent event) throws ChangeFailure {
        if (STREAM_ID.equals(key.source().strip())) {
            // the default key, asked of every event by the writers that read documents: no variables to build
            return event.streamId();
        }
        return keyOf(key, variables(event, Map.of()));
    }

    private static final String STREAM_ID = "streamId";

    @Override
    public ReadModelDefinition definition() {
        return definition;
    }

    @Override
    public String hash() {
        return hash;
    }

    @Override
    public Set<String> eventTypes() {
        return byType.keySet();
    }

    @Override
    public List<Change> changes(RecordedEvent event) throws ChangeFailure {
        if (usesDocument) {
            throw new IllegalStateException(definition.source() + " reads doc: give the current document");
        }
        return changes(event, Map.of());
    }

    @Override
    public List<Change> changes(RecordedEvent event, Map<String, Object> document) throws ChangeFailure {
        List<Entry> entries = byType.get(event.type());
        if (entries == null) {
            return List.of();
        }
        Map<String, Object> variables;
        try {
            variables = variables(event, document);
        } catch (RuntimeException e) {
            throw new ChangeFailure(definition.source() + ": the event " + event.type() + " of stream "
                    + event.streamId() + " version " + event.version() + " cannot be read: " + e.getMessage(), e);
        }
        String documentKey = null;
        List<Change> changes = new ArrayList<>();
        for (Entry entry : entries) {
            if (entry.when() != null) {
                Object condition = entry.when().eval(variables);
                if (!(condition instanceof Boolean b)) {
                    throw entry.when().failure(variables, "'when' needs true or false, got " + Values.kind(condition));
                }
                if (!b) {
                    continue;
                }
            }
            String target;
            if (entry.key() != null) {
                target = keyOf(entry.key(), variables);
            } else {
                if (documentKey == null) {
                    documentKey = keyOf(key, variables);
                }
                target = documentKey;
            }
            entry.action().run(variables, target, changes);
        }
        return changes;
    }

    @Override
    public Set<String> documentLabels() {
        return definition.store() == StoreKind.NEO4J ? Set.copyOf(definition.target().labels()) : Set.of();
    }

    @Override
    public PartKeys partKeys(RecordedEvent event) {
        List<Entry> entries = byType.get(event.type());
        if (entries == null) {
            return PartKeys.NONE;
        }
        if (!usesDocument) {
            try {
                return ChangeKeys.of(changes(event), documentLabels());
            } catch (ChangeFailure | RuntimeException e) {
                return PartKeys.NONE;
            }
        }
        // Keys never read doc (the loader refuses it), so they are known without the document. The document doc
        // reads (the event's own key) is always named: the fold reads it for every event. Set names and members may
        // read doc, and a node's or a relationship's ends may come from a list that does: if one cannot be computed
        // without the document, the batch is written whole.
        Set<String> keys = new HashSet<>();
        try {
            keys.add(keyOf(event));
        } catch (ChangeFailure | RuntimeException e) {
            return PartKeys.NONE; // the event fails in the fold
        }
        try {
            Map<String, Object> variables = null;
            for (Entry entry : entries) {
                Action action = entry.action();
                if (action instanceof Action.Node || action instanceof Action.Relationship) {
                    return null;
                }
                if (action instanceof Action.SortedSet set) {
                    if (variables == null) {
                        variables = variables(event);
                    }
                    String name = keyOf(set.name(), variables);
                    keys.add(set.increment() || set.remove() || set.keep() > 0 ? "zset:" + name
                            : "zset:" + name + ":" + keyOf(set.member(), variables));
                } else if (entry.key() != null && (action instanceof Action.Document || action instanceof Action.Delete
                        || action instanceof Action.Row)) {
                    if (variables == null) {
                        variables = variables(event);
                    }
                    keys.add(keyOf(entry.key(), variables));
                }
            }
        } catch (ChangeFailure | RuntimeException e) {
            return null; // an expression that reads doc, or a key its 'when' would skip: not known, written whole
        }
        return PartKeys.written(keys);
    }

    private Map<String, Object> variables(RecordedEvent event, Map<String, Object> document) {
        Map<String, Object> variables = variables(event);
        Map<String, Object> doc = new HashMap<>();
        document.forEach((field, value) -> {
            if (value != null) {
                doc.put(field, Values.toCel(definition.field(field), value));
            }
        });
        variables.put(CelEnvironment.DOC, doc);
        return variables;
    }

    static Map<String, Object> variables(RecordedEvent event) {
        Map<String, Object> variables = new HashMap<>();
        variables.put("data", Values.fromJson(event.data()));
        variables.put("metadata", Values.fromJson(event.metadata().toJson()));
        variables.put("streamId", event.streamId());
        variables.put("type", event.type());
        variables.put("version", event.version());
        variables.put("position", event.position());
        variables.put("recordedAt", event.recordedAt());
        return variables;
    }

    /** A key: a non-empty string (a whole number is written in decimal). */
    static String keyOf(Expression expression, Map<String, Object> variables) throws ChangeFailure {
        Object value = expression.eval(variables);
        if (value instanceof String s && !s.isEmpty()) {
            return s;
        }
        if (value instanceof Long l) {
            return l.toString();
        }
        throw expression.failure(variables, "a key needs a non-empty string, got "
                + (value instanceof String ? "an empty string" : Values.kind(value)));
    }
}
