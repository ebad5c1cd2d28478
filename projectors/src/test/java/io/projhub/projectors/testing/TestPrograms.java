package io.projhub.projectors.testing;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.ReadModelDefinition;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.changes.Change;

/**
 * A {@link ReadModelProgram} written in Java for a store writer's test: per event type, a function from the event to
 * its changes. (The programs the hub runs are compiled from definition files; this one only feeds a writer.)
 */
public final class TestPrograms {

    private TestPrograms() {
    }

    public static ReadModelProgram of(ReadModelDefinition definition, String hash,
                                      Map<String, Function<RecordedEvent, List<Change>>> byType) {
        return new ReadModelProgram() {
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
                Function<RecordedEvent, List<Change>> f = byType.get(event.type());
                if (f == null) {
                    return List.of();
                }
                try {
                    return f.apply(event);
                } catch (RuntimeException e) {
                    throw new ChangeFailure(definition.source() + ": " + e.getMessage(), e);
                }
            }
        };
    }
}
