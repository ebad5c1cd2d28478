package io.projhub.projectors.influxdb;

import java.util.Locale;

/** What order lifecycle statistics are grouped by: a tag of {@code order_lifecycle}. */
public enum LifecycleGroupBy {
    CARRIER("carrier"),
    STATUS("status");

    private final String tag;

    LifecycleGroupBy(String tag) {
        this.tag = tag;
    }

    /** The tag grouped on. */
    public String tag() {
        return tag;
    }

    /**
     * Reads {@code carrier} or {@code status} (any case).
     *
     * @throws IllegalArgumentException ({@code groupBy}) for anything else
     */
    public static LifecycleGroupBy parse(String value) {
        if (value != null) {
            for (LifecycleGroupBy g : values()) {
                if (g.tag.equals(value.strip().toLowerCase(Locale.ROOT))) {
                    return g;
                }
            }
        }
        throw new IllegalArgumentException("groupBy must be carrier or status, was '"
                + (value == null ? "" : value.length() > 40 ? value.substring(0, 40) + "…" : value) + "'");
    }
}
