package io.projhub.core.projection.internal;

import java.util.List;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;

/** What the shared poller read in one go: every committed event in {@code (from, to]}, in log order. */
record Delivery(LogPosition from, LogPosition to, List<RecordedEvent> events) {
}
