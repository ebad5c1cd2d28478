package io.projhub.definitions;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A read model as its definition file declares it: a name (also its lane's name), the store, the definition's
 * {@code version} (a changed file needs a new one), the target in the store and the declared fields, in the order
 * the file gives them. How events change it is compiled into a {@link ReadModelProgram}.
 *
 * @param source the file it was loaded from (for messages; {@code <inline>} for a previewed definition)
 */
public record ReadModelDefinition(String name, StoreKind store, int version, String description, Target target,
                                  Map<String, FieldSpec> fields, String source) {

    public ReadModelDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(target, "target");
        fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        description = description == null ? "" : description;
    }

    /**
     * Checks that this definition is for {@code store}: each store's writer takes only its own.
     *
     * @throws IllegalArgumentException naming the read model, its store and the expected one
     */
    public void requireStore(StoreKind expected) {
        if (store != expected) {
            throw new IllegalArgumentException("read model " + name + " is for " + store.id() + ", not "
                    + expected.id());
        }
    }

    /**
     * The version as the store's physical names carry it for one build of it: {@code 3} for the first build of
     * version 3, {@code 3r2} for its second rebuild (an admin rebuild builds beside the live build, under new names).
     */
    public String versionTag(int generation) {
        if (generation < 0) {
            throw new IllegalArgumentException("generation must not be negative, was " + generation);
        }
        return generation == 0 ? Integer.toString(version) : version + "r" + generation;
    }

    /** The declared field, or null. */
    public FieldSpec field(String field) {
        return fields.get(field);
    }
}
