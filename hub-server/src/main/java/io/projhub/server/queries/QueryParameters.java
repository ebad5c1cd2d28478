package io.projhub.server.queries;

import io.projhub.server.web.InvalidParameterException;

/** Parses query-string parameters strictly; each problem is a 400 naming the parameter. */
public final class QueryParameters {

    private QueryParameters() {
    }

    /** An integer, or null when absent or blank. */
    public static Integer integer(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.strip());
        } catch (NumberFormatException e) {
            throw new InvalidParameterException(name, name + " must be an integer, was '" + abbreviate(value) + "'");
        }
    }

    /** An integer within {@code [min, max]}, or {@code fallback} when absent. */
    public static int boundedInt(String name, String value, int min, int max, int fallback) {
        return bounded(name, integer(name, value), min, max, fallback);
    }

    static int bounded(String name, Integer value, int min, int max, int fallback) {
        if (value == null) {
            return fallback;
        }
        if (value < min || value > max) {
            throw new InvalidParameterException(name, name + " must be between " + min + " and " + max);
        }
        return value;
    }

    static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "…";
    }
}
