package io.projhub.core.projection;

import static io.projhub.core.projection.SubscriberTestSupport.committed;
import static io.projhub.core.projection.SubscriberTestSupport.recorded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.node.JsonNodeFactory;

@RealStores
class SubscriberCrashTest {

    private static final int EVENTS = 4000;

    @Test
    void afterTheHubIsKilledTwiceMidStreamTheLaneResumesFromItsStoresCheckpointAndHoldsEachEventOnce(
            StoreEndpoints stores) throws Exception {
        DataSource ds = SubscriberTestSupport.dataSource(stores);
        EventStore store = SubscriberTestSupport.eventStore(ds);
        String prefix = "crash-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        String lane = prefix + "lane";
        LogPosition start = SubscriberTestSupport.logEnd(ds);

        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < EVENTS / 10; i++) {
                List<NewEvent> events = new ArrayList<>();
                for (int k = 0; k < 10; k++) {
                    events.add(new NewEvent("CrashTestEvent", JsonNodeFactory.instance.objectNode().put("i", i)));
                }
                store.append(prefix + "s" + (i % 7), "crash", ExpectedVersion.ANY, events);
            }
        });

        Process hub = startHub(lane, start, 1);
        for (int kill = 1; kill <= 2; kill++) {
            int threshold = kill * EVENTS / 4;
            await().atMost(Duration.ofMinutes(2)).until(() -> recorded(ds, lane, prefix).size() >= threshold);
            hub.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            assertThat(hub.exitValue()).as("killed by SIGKILL").isEqualTo(137);
            hub = startHub(lane, start, kill + 1);
        }
        try {
            writing.get(2, TimeUnit.MINUTES);
            List<String> expected = committed(ds, prefix);
            assertThat(expected).hasSize(EVENTS);
            await().atMost(Duration.ofMinutes(2)).until(() -> recorded(ds, lane, prefix).size() >= EVENTS);
            List<String> got = recorded(ds, lane, prefix);
            assertThat(got).hasSize(EVENTS);
            assertThat(new HashSet<>(got)).isEqualTo(new HashSet<>(expected));
            Map<String, Long> last = new HashMap<>();
            for (String entry : got) {
                String stream = entry.substring(0, entry.lastIndexOf('@'));
                long version = Long.parseLong(entry.substring(entry.lastIndexOf('@') + 1));
                assertThat(version).isEqualTo(last.getOrDefault(stream, 0L) + 1);
                last.put(stream, version);
            }
        } finally {
            hub.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static Process startHub(String lane, LogPosition start, int run) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        File log = Path.of("target", "subscriber-process-" + run + ".log").toFile();
        return new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                SubscriberProcess.class.getName(), lane, String.valueOf(start.txId()), String.valueOf(start.position()))
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
    }
}
