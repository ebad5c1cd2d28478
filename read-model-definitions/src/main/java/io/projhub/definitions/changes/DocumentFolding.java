package io.projhub.definitions.changes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.ReadModelProgram;

/**
 * The changes of a batch for a program that reads {@code doc}: each event's changes are computed against its key's
 * document as the store held it before the batch, folded with the changes of the events before it in the batch.
 * A writer calls it with the events it will apply (those above their stream's recorded version), in order, and a
 * loader that reads the current documents of a set of keys from its store (inside its transaction where it has one).
 */
public final class DocumentFolding {

    /** Reads the current documents of keys from the store: key → fields (absent: no document). */
    @FunctionalInterface
    public interface DocumentLoader {
        Map<String, Map<String, Object>> load(Set<String> keys) throws Exception;
    }

    private DocumentFolding() {
    }

    /**
     * @return each event's changes, in the order of {@code events}
     * @throws ChangeFailure if an expression fails on an event
     * @throws Exception     what the loader throws (the store's failure)
     */
    public static List<List<Change>> changes(ReadModelProgram program, List<RecordedEvent> events,
                                             DocumentLoader loader) throws Exception {
        List<String> keys = new ArrayList<>(events.size());
        Set<String> wanted = new LinkedHashSet<>();
        for (RecordedEvent event : events) {
            String key = program.keyOf(event);
            keys.add(key);
            wanted.add(key);
        }
        Map<String, Map<String, Object>> documents = new HashMap<>();
        Map<String, Map<String, Object>> loaded = wanted.isEmpty() ? Map.of() : loader.load(wanted);
        for (String key : wanted) {
            documents.put(key, loaded.getOrDefault(key, Map.of()));
        }
        List<List<Change>> result = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            List<Change> changes = program.changes(events.get(i), documents.get(keys.get(i)));
            for (Change change : changes) {
                if (change instanceof DocumentChange document) {
                    Map<String, Object> current = documents.get(document.key());
                    if (current == null) {
                        current = loader.load(Set.of(document.key())).getOrDefault(document.key(), Map.of());
                    }
                    documents.put(document.key(), DocumentFold.apply(current, document.ops()));
                } else if (change instanceof DeleteDocument delete) {
                    documents.put(delete.key(), Map.of());
                }
            }
            result.add(changes);
        }
        return result;
    }
}
