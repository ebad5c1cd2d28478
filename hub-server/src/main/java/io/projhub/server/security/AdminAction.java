package io.projhub.server.security;

import java.time.Instant;

/**
 * One request to an admin endpoint, as recorded: who ({@code principal} is {@code anonymous} when the request was
 * not authenticated; {@code via} is {@code api-key}, {@code jwt}, {@code basic} or null), what, when, from where, and
 * the outcome (its HTTP status), with a short {@code detail} for refusals.
 */
public record AdminAction(long id, Instant at, String principal, String via, String method, String path,
                          String action, String remoteAddress, int outcome, String detail) {
}
