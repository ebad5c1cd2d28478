package io.projhub.monitor;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.projection.SubscriberStatus;
import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import tools.jackson.databind.node.JsonNodeFactory;

/** Fast settings, a recording listener and redriver, and a shortcut to build a monitor. */
final class TestMonitors {

    static final Set<String> TYPES = Set.of("MonitorTestEvent");

    /** Everything in milliseconds: initial delay 200, backoff 100·2^n without jitter, 4 attempts. */
    static final MonitorSettings FAST = MonitorSettings.DEFAULTS
            .withLagInterval(Duration.ofMillis(200))
            .withShutdownTimeout(Duration.ofSeconds(1))
            .withVerification(VerificationSettings.DEFAULTS.withInitialDelay(Duration.ofMillis(200))
                    .withBackoff(Duration.ofMillis(100), 2.0, 0.0, Duration.ofSeconds(2), 4)
                    .withTick(Duration.ofMillis(10)))
            .withAlerts(AlertSettings.DEFAULTS.withEvaluationInterval(Duration.ofMillis(100))
                    .withRecheckInterval(Duration.ofMillis(300)))
            .withOutbox(OutboxSettings.DEFAULTS.withPollInterval(Duration.ofMillis(50))
                    .withRetry(Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), 5));

    private TestMonitors() {
    }

    /** Records what the monitor did. */
    static final class Recorder implements MonitorListener {
        final List<VerificationCheck> checks = new CopyOnWriteArrayList<>();
        final List<String> redrives = new CopyOnWriteArrayList<>();
        final List<String> transitions = new CopyOnWriteArrayList<>();

        @Override
        public void verificationChecked(VerificationCheck check) {
            checks.add(check);
        }

        @Override
        public void redriveRequested(String readModel, String streamId, int attempt) {
            redrives.add(readModel + ":" + streamId + "#" + attempt);
        }

        @Override
        public void alertChanged(Alert alert, AlertTransition transition) {
            transitions.add(transition + " " + alert.key());
        }

        List<VerificationCheck> checksOf(String readModel, String streamId) {
            return checks.stream().filter(c -> c.readModel().equals(readModel) && c.streamId().equals(streamId))
                    .toList();
        }

        /** Re-drives requested by the verification's retries (not by the re-checks of a firing alert). */
        long retryRedrives(String readModel, String streamId) {
            return redrives.stream().filter(r -> r.startsWith(readModel + ":" + streamId + "#")
                    && !r.endsWith("#0")).count();
        }
    }

    /** A redriver that re-applies the stream from the event store to the test read model (failing while it is down). */
    static final class StoreRedriver implements Redriver {
        private final EventStore store;
        private final Map<String, TestReadModel> readModels = new ConcurrentHashMap<>();
        final List<String> calls = new CopyOnWriteArrayList<>();

        StoreRedriver(EventStore store, TestReadModel... models) {
            this.store = store;
            for (TestReadModel model : models) {
                readModels.put(model.name, model);
            }
        }

        @Override
        public CompletableFuture<Void> redrive(String readModel, String streamId) {
            calls.add(readModel + ":" + streamId);
            return CompletableFuture.runAsync(() -> {
                try {
                    readModels.get(readModel).apply(store.readStream(streamId, 1));
                } catch (java.net.ConnectException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
        }
    }

    static PostgresConsistencyMonitor monitor(DataSource ds, EventStore store, List<MonitoredReadModel> readModels,
                                              Supplier<SubscriberStatus> subscriber, Redriver redriver,
                                              List<Notifier> notifiers, MonitorSettings settings,
                                              MonitorListener listener) {
        return new PostgresConsistencyMonitor(ds, store, readModels, subscriber, redriver, notifiers, settings,
                new SimpleMeterRegistry(), listener);
    }

    /** Appends one test event to the stream. */
    static AppendResult append(EventStore store, String streamId) {
        return store.append(streamId, "monitor-test", ExpectedVersion.ANY,
                List.of(new NewEvent("MonitorTestEvent", JsonNodeFactory.instance.objectNode().put("at", System.nanoTime()))));
    }
}
