package io.projhub.projectors.influxdb;

import java.util.regex.Pattern;

/**
 * How names and values of InfluxDB read models are written into line protocol and InfluxQL, and the namespace
 * that prefixes their measurements (so a test's points never mix with the hub's).
 */
final class InfluxNames {

    static final String CHECKPOINT_MEASUREMENT = "projhub_checkpoint";

    private static final Pattern NAMESPACE = Pattern.compile("|[a-z0-9][a-z0-9_-]{0,39}");

    private InfluxNames() {
    }

    /** Checks a namespace: empty, or up to 40 of a-z, 0-9, '_' and '-' starting with a letter or digit. */
    static void requireNamespace(String namespace) {
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("namespace must be empty or up to 40 of a-z, 0-9, '_' and '-' "
                    + "starting with a letter or digit, was '" + namespace + "'");
        }
    }

    // Line protocol ------------------------------------------------------------------------------------------

    /** A measurement name in line protocol: commas and spaces escaped. */
    static String lineMeasurement(String name) {
        return name.replace("\\", "\\\\").replace(",", "\\,").replace(" ", "\\ ");
    }

    /**
     * A tag value in line protocol: commas, equals signs and spaces escaped, line breaks (which no escape can carry)
     * replaced by spaces. The same value always gives the same text, so a replay finds the same series.
     */
    static String tagValue(String value) {
        return value.replaceAll("[\\r\\n\\t]", " ").replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")
                .replace(" ", "\\ ");
    }

    /** A string field value in line protocol, quoted. */
    static String stringField(String value) {
        return "\"" + value.replaceAll("[\\r\\n]", " ").replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    // InfluxQL -----------------------------------------------------------------------------------------------

    /** An identifier in InfluxQL, always double-quoted. */
    static String identifier(String name) {
        return "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /**
     * A string literal in InfluxQL, single-quoted with backslash and quote escaped. Callers validate values first
     * (stream ids against their pattern): the client (7.5.0) has no bind parameters for InfluxQL.
     */
    static String literal(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
