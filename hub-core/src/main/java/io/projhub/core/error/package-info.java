/**
 * The ways a command or query is refused. Each is a small type with machine-readable fields, so a web layer maps
 * it to one HTTP status and a problem document: {@link io.projhub.core.error.InvalidCommandException} (400),
 * {@link io.projhub.core.error.StreamNotFoundException} (404), {@link io.projhub.core.error.ConcurrencyConflictException}
 * (409), {@link io.projhub.core.error.BusinessRuleViolation} and
 * {@link io.projhub.core.error.IdempotencyKeyReusedException} (422). None of them is thrown after anything was written.
 */
package io.projhub.core.error;
