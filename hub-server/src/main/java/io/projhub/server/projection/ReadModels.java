package io.projhub.server.projection;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The read models switched on in this hub, by name, in a stable order. */
public final class ReadModels {

    private final Map<String, ReadModel> byName = new LinkedHashMap<>();

    public ReadModels(List<ReadModel> readModels) {
        for (ReadModel model : readModels) {
            if (byName.putIfAbsent(model.name(), model) != null) {
                throw new IllegalStateException("Two read models are named " + model.name());
            }
        }
    }

    public List<ReadModel> all() {
        return List.copyOf(byName.values());
    }

    public Optional<ReadModel> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }
}
