package io.projhub.monitor;

import static io.projhub.monitor.TestMonitors.FAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.monitor.notify.Notifiers;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/** A firing alert is notified again on its interval until acknowledged; acknowledging stops that, not its resolution. */
@RealStores
class AckAndRenotifyTest {

    private static List<String> transitions(RecordingReceiver webhook) {
        return webhook.requests().stream().map(r -> r.json().path("transition").asString()).toList();
    }

    @Test
    void aFiringAlertIsRenotifiedOnItsIntervalUntilAcknowledgedAndStillResolves(StoreEndpoints stores) throws Exception {
        try (HikariDataSource ds = TestDatabase.migrated(stores);
             RecordingReceiver webhook = RecordingReceiver.start(200, "{}")) {
            String prefix = TestDatabase.uniquePrefix("ack");
            DrivenSubscriber subscriber = new DrivenSubscriber(prefix + "lane");
            subscriber.deadLetters = 4;
            Duration renotifyEvery = Duration.ofSeconds(1);
            MonitorSettings settings = FAST.withAlerts(FAST.alerts().withRenotifyInterval(renotifyEvery));
            try (PostgresConsistencyMonitor monitor = TestMonitors.monitor(ds, TestDatabase.eventStore(ds), List.of(),
                    subscriber, Redriver.NONE,
                    Notifiers.create(List.of(NotifierSettings.webhook(prefix + "webhook", webhook.url("/h")))),
                    settings, MonitorListener.NONE)) {
                monitor.start();

                await().atMost(Duration.ofSeconds(10)).until(() -> transitions(webhook).size() >= 3);
                List<RecordingReceiver.Request> first = webhook.requests();
                assertThat(transitions(webhook).subList(0, 3)).containsExactly("FIRING", "RENOTIFY", "RENOTIFY");
                for (int i = 1; i < 3; i++) {
                    long gap = Duration.between(first.get(i - 1).receivedAt(), first.get(i).receivedAt()).toMillis();
                    assertThat(gap).as("re-notified after the interval").isBetween(900L, 1700L);
                }
                long alertId = first.get(0).json().path("alert").path("id").asLong();
                assertThat(first).allSatisfy(r -> assertThat(r.json().path("alert").path("id").asLong()).isEqualTo(alertId));

                Alert acked = monitor.ack(alertId, "alice@oncall").orElseThrow();
                assertThat(acked.ackedBy()).isEqualTo("alice@oncall");
                assertThat(acked.ackedAt()).isNotNull();
                assertThat(acked.status()).isEqualTo(AlertStatus.FIRING);
                assertThat(monitor.ack(alertId, "bob").orElseThrow().ackedBy()).as("the first ack stays")
                        .isEqualTo("alice@oncall");
                assertThat(monitor.ack(Long.MAX_VALUE, "alice")).isEmpty();
                assertThatThrownBy(() -> monitor.ack(alertId, " ")).isInstanceOf(IllegalArgumentException.class);

                Thread.sleep(500); // a re-notification queued just before the ack may still arrive
                int afterAck = webhook.requests().size();
                Thread.sleep(3 * renotifyEvery.toMillis());
                assertThat(webhook.requests()).as("no re-notification once acknowledged").hasSize(afterAck);

                subscriber.deadLetters = 0;
                await().atMost(Duration.ofSeconds(5)).until(() -> transitions(webhook).contains("RESOLVED"));
                Thread.sleep(500);
                assertThat(transitions(webhook).stream().filter("RESOLVED"::equals)).hasSize(1);
                RecordingReceiver.Request resolved = webhook.requests().get(webhook.requests().size() - 1);
                assertThat(resolved.json().path("alert").path("ackedBy").asString()).isEqualTo("alice@oncall");
                assertThat(monitor.alert(alertId).orElseThrow().status()).isEqualTo(AlertStatus.RESOLVED);
                assertThat(monitor.alert(alertId).orElseThrow().notifications()).isGreaterThanOrEqualTo(3);
                assertThat(monitor.alerts(Optional.of(AlertStatus.RESOLVED), 50)).extracting(Alert::id).contains(alertId);
                assertThatThrownBy(() -> monitor.alerts(Optional.empty(), 0)).isInstanceOf(IllegalArgumentException.class);
            }
        }
    }
}
