package io.projhub.monitor;

import static io.projhub.monitor.TestMonitors.FAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.zaxxer.hikari.HikariDataSource;

import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.monitor.notify.Notifiers;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Alertmanager notifier against Debian's real {@code prometheus-alertmanager} (v2 API): the alert shows active
 * with our labels, and disappears from the active alerts once resolved by {@code endsAt}. Skipped (not failed) on a
 * machine without the binary; {@code PROJHUB_ALERTMANAGER_BIN} may point elsewhere.
 */
@RealStores
class RealAlertmanagerTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Path binary() {
        String configured = System.getenv("PROJHUB_ALERTMANAGER_BIN");
        return Path.of(configured != null ? configured : "/usr/bin/prometheus-alertmanager");
    }

    private static JsonNode activeAlerts(URI base, String key) throws Exception {
        String filter = URLEncoder.encode("key=\"" + key + "\"", StandardCharsets.UTF_8);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v2/alerts?filter=" + filter))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static boolean ready(URI base) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void aRealAlertmanagerShowsTheAlertActiveWithOurLabelsUntilTheResolutionEndsIt(StoreEndpoints stores,
                                                                                   @TempDir Path dir) throws Exception {
        // deploy/test.sh installs it; a missing binary is a failure, never a silent skip.
        org.assertj.core.api.Assertions.assertThat(Files.isExecutable(binary()))
                .as("%s is not installed: run the suite with deploy/test.sh (it installs Debian's prometheus-alertmanager)", binary())
                .isTrue();
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, "route:\n  receiver: \"null\"\nreceivers:\n  - name: \"null\"\n");
        int port = RecordingReceiver.freePort();
        URI base = URI.create("http://127.0.0.1:" + port);
        Process alertmanager = new ProcessBuilder(binary().toString(), "--config.file=" + config,
                "--storage.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=").redirectErrorStream(true).redirectOutput(dir.resolve("am.log").toFile())
                .start();
        try (HikariDataSource ds = TestDatabase.migrated(stores)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> ready(base));
            String prefix = TestDatabase.uniquePrefix("am");
            DrivenSubscriber subscriber = new DrivenSubscriber(prefix + "lane");
            String key = subscriber.lane + ":dead-letters";
            List<Notifier> notifiers = Notifiers.create(List.of(NotifierSettings.alertmanager(prefix + "alertmanager", base)
                    .withGeneratorUrl(URI.create("http://hub.example:8080/api/alerts"))));
            try (PostgresConsistencyMonitor monitor = TestMonitors.monitor(ds, TestDatabase.eventStore(ds), List.of(),
                    subscriber, Redriver.NONE, notifiers, FAST, MonitorListener.NONE)) {
                monitor.start();
                subscriber.deadLetters = 5;

                await().atMost(Duration.ofSeconds(10)).until(() -> activeAlerts(base, key).size() == 1);
                JsonNode alert = activeAlerts(base, key).get(0);
                assertThat(alert.path("labels").path("alertname").asString()).isEqualTo("ProjhubDeadLetters");
                assertThat(alert.path("labels").path("read_model").asString()).isEqualTo(subscriber.lane);
                assertThat(alert.path("labels").path("severity").asString()).isEqualTo("error");
                assertThat(alert.path("annotations").path("summary").asString()).contains("5 dead letter(s)");
                assertThat(alert.path("status").path("state").asString()).isEqualTo("active");
                assertThat(alert.path("generatorURL").asString()).isEqualTo("http://hub.example:8080/api/alerts");

                subscriber.deadLetters = 0;
                await().atMost(Duration.ofSeconds(10)).until(() -> activeAlerts(base, key).isEmpty());
                assertThat(TestDatabase.outbox(ds, prefix)).extracting(r -> r.get("transition") + "/" + r.get("status"))
                        .containsExactly("FIRING/SENT", "RESOLVED/SENT");
            }
        } finally {
            alertmanager.destroy();
            if (!alertmanager.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                alertmanager.destroyForcibly();
            }
        }
    }
}
