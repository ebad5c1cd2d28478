package io.projhub.server.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.Projector;
import io.projhub.core.projection.ReadModelProbe;

/** The set of read models a reload replaces: every listener sees the new set, or all go back to the old one. */
class ReadModelsTest {

    private static ReadModel model(String name) {
        Projector projector = new Projector() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Set<String> eventTypes() {
                return Set.of("A");
            }

            @Override
            public LogPosition checkpoint() {
                return LogPosition.START;
            }

            @Override
            public void apply(EventBatch batch) {
            }
        };
        ReadModelProbe probe = new ReadModelProbe() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public LogPosition checkpoint() {
                return LogPosition.START;
            }

            @Override
            public long appliedVersion(String streamId) {
                return 0;
            }
        };
        return new ReadModel(name, projector, probe);
    }

    @Test
    void aListenerThatRefusesTheNewSetPutsEveryListenerBackOnTheOldOne() {
        ReadModels readModels = new ReadModels();
        readModels.replaceDefined(List.of(model("first")));
        List<List<String>> first = new ArrayList<>();
        readModels.onChange(all -> first.add(all.stream().map(ReadModel::name).toList()));
        readModels.onChange(all -> {
            if (all.stream().anyMatch(m -> m.name().equals("refused"))) {
                throw new IllegalArgumentException("batch size of refused out of range");
            }
        });
        readModels.replaceDefined(List.of(model("kept")));
        assertThat(readModels.names()).containsExactly("kept");

        assertThatThrownBy(() -> readModels.replaceDefined(List.of(model("kept"), model("refused"))))
                .hasMessageContaining("refused");
        assertThat(readModels.names()).containsExactly("kept");
        assertThat(first).containsExactly(List.of("kept"), List.of("kept", "refused"), List.of("kept"));
    }

    @Test
    void twoReadModelsWithOneNameAreRefusedAndNothingChanges() {
        ReadModels readModels = new ReadModels();
        readModels.replaceDefined(List.of(model("first")));
        assertThatThrownBy(() -> readModels.replaceDefined(List.of(model("twice"), model("twice"))))
                .isInstanceOf(IllegalStateException.class);
        assertThat(readModels.names()).containsExactly("first");
    }
}
