package io.projhub.definitions;

import java.util.Arrays;
import java.util.Optional;

/**
 * The declared type of a field (a document field, hash field, node property, point field or column). Values reach
 * the store writers as these Java types:
 * <ul>
 *   <li>{@code keyword}, {@code text}: {@link String} ({@code text} is analysed for full-text search in
 *       Elasticsearch; elsewhere it is a string);</li>
 *   <li>{@code long}: {@link Long}; {@code double}: {@link Double} (never for money);</li>
 *   <li>{@code decimal}: {@link java.math.BigDecimal} with exactly the field's {@code scale} (money);</li>
 *   <li>{@code boolean}: {@link Boolean}; {@code timestamp}: {@link java.time.Instant};</li>
 *   <li>{@code set}, {@code list}: {@link java.util.List} of the element type ({@code of:}); a set holds no
 *       value twice;</li>
 *   <li>{@code object}: a JSON-like value ({@link java.util.Map}, {@link java.util.List}, {@link String},
 *       {@link Long}, {@link java.math.BigDecimal}, {@link Boolean}), stored but not indexed field by field.</li>
 * </ul>
 */
public enum FieldType {
    KEYWORD("keyword"),
    TEXT("text"),
    LONG("long"),
    DOUBLE("double"),
    DECIMAL("decimal"),
    BOOLEAN("boolean"),
    TIMESTAMP("timestamp"),
    SET("set"),
    LIST("list"),
    OBJECT("object");

    private final String id;

    FieldType(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Whether the type holds many values ({@code set}, {@code list}). */
    public boolean collection() {
        return this == SET || this == LIST;
    }

    /** Whether a value of the type can be incremented. */
    public boolean numeric() {
        return this == LONG || this == DOUBLE || this == DECIMAL;
    }

    public static Optional<FieldType> byId(String id) {
        return Arrays.stream(values()).filter(type -> type.id.equals(id)).findFirst();
    }
}
