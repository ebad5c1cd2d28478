package io.projhub.server.web;

/**
 * What the API accepts as an id in a request header ({@code Idempotency-Key}, {@code X-Correlation-Id},
 * {@code X-Causation-Id}): 1 to 200 visible ASCII characters, nothing that could break a log line or a header.
 */
public final class HeaderValues {

    public static final int MAX_LENGTH = 200;

    private HeaderValues() {
    }

    public static boolean isValid(String value) {
        return value != null && !value.isEmpty() && value.length() <= MAX_LENGTH
                && value.chars().allMatch(c -> c >= 0x21 && c <= 0x7E);
    }

    /**
     * The header's value, or null if the header is absent.
     *
     * @throws InvalidParameterException naming the header if it is present but not valid
     */
    public static String optional(String header, String value) {
        if (value == null) {
            return null;
        }
        if (!isValid(value)) {
            throw new InvalidParameterException(header,
                    "must be 1 to " + MAX_LENGTH + " visible ASCII characters (no spaces or control characters)");
        }
        return value;
    }
}
