package io.projhub.definitions.changes;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One change to one field of a document. Values are of the field's declared type (see
 * {@link io.projhub.definitions.FieldType}); an increment's delta is a {@link Long} for a {@code long} field, a
 * {@link BigDecimal} of the field's scale for a {@code decimal} field, a {@link Double} for a {@code double} field
 * (a decrement is a negative delta).
 */
public sealed interface FieldOp {

    String field();

    record Set(String field, Object value) implements FieldOp {
        public Set {
            Objects.requireNonNull(value, "value (use Unset for no value)");
        }
    }

    record Unset(String field) implements FieldOp {
    }

    record Increment(String field, Number delta) implements FieldOp {
    }

    /** Adds a value to a set (nothing if present). */
    record AddToSet(String field, Object value) implements FieldOp {
    }

    /** Removes every occurrence of a value from a set or list. */
    record Remove(String field, Object value) implements FieldOp {
    }

    /** Appends a value to the end of a list. */
    record Append(String field, Object value) implements FieldOp {
    }
}
