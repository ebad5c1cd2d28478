package io.projhub.definitions;

import java.util.Objects;

/**
 * A declared field: its name, its type, the scale of a decimal (digits after the point, default 2) and the element
 * type of a set or list (null otherwise).
 */
public record FieldSpec(String name, FieldType type, int scale, FieldType elementType) {

    public static final int DEFAULT_SCALE = 2;

    public FieldSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (type.collection() && (elementType == null || elementType.collection())) {
            throw new IllegalArgumentException("field " + name + ": a " + type.id() + " needs a scalar element type");
        }
        if (!type.collection()) {
            elementType = null;
        }
    }

    public static FieldSpec of(String name, FieldType type) {
        return new FieldSpec(name, type, DEFAULT_SCALE, null);
    }

    /** The type of one value: the element type of a collection, the type itself otherwise. */
    public FieldType valueType() {
        return elementType == null ? type : elementType;
    }
}
