package io.projhub.server.projection;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The read models switched on in this hub, by name, in a stable order: those of the definition files, which a
 * reload replaces while the hub runs. Readers get an immutable snapshot; listeners (the
 * subscriber's lanes, the monitor, the consistency waits) are told the new set after each replacement.
 */
public final class ReadModels {

    private volatile Map<String, ReadModel> byName = Map.of();
    private final List<Consumer<List<ReadModel>>> listeners = new CopyOnWriteArrayList<>();

    private static Map<String, ReadModel> index(List<ReadModel> defined) {
        Map<String, ReadModel> map = new LinkedHashMap<>();
        for (ReadModel model : defined) {
            if (map.putIfAbsent(model.name(), model) != null) {
                throw new IllegalStateException("Two read models are named " + model.name());
            }
        }
        return java.util.Collections.unmodifiableMap(map);
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

    /** The read models of definition files, in order. */
    public List<ReadModel> defined() {
        return byName.values().stream().filter(m -> m.defined() != null).toList();
    }

    /**
     * Replaces the read models of definition files and tells the listeners, in the order they were added. If a
     * listener refuses the new set, those already told are given the previous set back and the exception is thrown.
     *
     * @throws IllegalStateException if a name is taken twice (nothing is replaced)
     */
    public synchronized void replaceDefined(List<ReadModel> defined) {
        Map<String, ReadModel> before = byName;
        byName = index(new ArrayList<>(defined));
        List<ReadModel> now = all();
        int told = 0;
        try {
            for (Consumer<List<ReadModel>> listener : listeners) {
                listener.accept(now);
                told++;
            }
        } catch (RuntimeException e) {
            // A listener refused the set (e.g. a lane setting out of range): go back to the previous one everywhere.
            byName = before;
            List<ReadModel> previous = all();
            for (int i = 0; i < told; i++) {
                try {
                    listeners.get(i).accept(previous);
                } catch (RuntimeException again) {
                    e.addSuppressed(again);
                }
            }
            throw e;
        }
    }

    /** {@code listener} is called with the whole new set after every {@link #replaceDefined}. */
    public void onChange(Consumer<List<ReadModel>> listener) {
        listeners.add(listener);
    }
}
