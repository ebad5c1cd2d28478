package io.projhub.monitor;

/**
 * One outbox row handed to its notifier: the transition and the alert as it was when the transition committed.
 * {@code attempt} counts from 1; {@code outboxId} is unique per (transition, notifier), a natural idempotency key
 * for receivers that support one.
 */
public record Notification(long outboxId, AlertTransition transition, Alert alert, int attempt) {
}
