package io.projhub.server.web;

import java.net.URI;
import java.util.Arrays;
import java.util.Optional;

/**
 * The {@code type} of every problem document the API answers with (RFC 9457), one per kind of failure. Clients
 * switch on the type (and on {@code rule} for business rules), never on the human-readable {@code detail}.
 */
public enum ProblemType {

    INVALID_REQUEST(400, "invalid-request", "Invalid request"),
    UNAUTHORIZED(401, "unauthorized", "Unauthorized"),
    FORBIDDEN(403, "forbidden", "Forbidden"),
    NOT_FOUND(404, "not-found", "Not found"),
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
    NOT_ACCEPTABLE(406, "not-acceptable", "Not acceptable"),
    VERSION_CONFLICT(409, "version-conflict", "Version conflict"),
    PAYLOAD_TOO_LARGE(413, "payload-too-large", "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type"),
    BUSINESS_RULE_VIOLATED(422, "business-rule-violated", "Business rule violated"),
    INTERNAL_ERROR(500, "internal-error", "Internal error"),
    SERVICE_UNAVAILABLE(503, "service-unavailable", "Service unavailable");

    private static final String PREFIX = "urn:projhub:problem:";

    private final int status;
    private final String slug;
    private final String title;

    ProblemType(int status, String slug, String title) {
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public URI uri() {
        return URI.create(PREFIX + slug);
    }

    public String title() {
        return title;
    }

    /** The type Spring MVC's own failures of this status get. */
    public static Optional<ProblemType> forStatus(int status) {
        return Arrays.stream(values()).filter(type -> type.status == status).findFirst();
    }
}
