package io.projhub.projectors.influxdb;

import java.util.regex.Pattern;

/**
 * The measurements of the InfluxDB read model and how names and values are written into line protocol and
 * InfluxQL. The namespace prefixes the data measurements (so a test's points never mix with the hub's) and the
 * checkpoint's {@code projector} tag.
 */
final class InfluxNames {

    static final String CHECKPOINT_MEASUREMENT = "projhub_checkpoint";

    private static final Pattern NAMESPACE = Pattern.compile("|[a-z0-9][a-z0-9_-]{0,39}");

    private final String namespace;

    InfluxNames(String namespace) {
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("namespace must be empty or up to 40 of a-z, 0-9, '_' and '-' "
                    + "starting with a letter or digit, was '" + namespace + "'");
        }
        this.namespace = namespace;
    }

    String orderLifecycle() {
        return namespace + "order_lifecycle";
    }

    String accountFlow() {
        return namespace + "account_flow";
    }

    /** Skipped stream versions: tag {@code stream}, field {@code stream_version}; never part of the time series. */
    String skippedVersions() {
        return namespace + "skipped_versions";
    }

    /** The value of the checkpoint point's {@code projector} tag. */
    String checkpointKey() {
        return namespace + InfluxOrderProjector.NAME;
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
