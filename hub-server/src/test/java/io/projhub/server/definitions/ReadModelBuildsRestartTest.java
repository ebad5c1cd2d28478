package io.projhub.server.definitions;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.SubscriberStatus;
import io.projhub.server.HubTestBase;
import io.projhub.server.projection.ReadModels;

/**
 * What a hub that stops in the middle of a rebuild, or while it keeps a replaced build, finds when it starts again:
 * the build records in PostgreSQL ({@code read_model_builds}) give it the live build, the rebuild to resume and the
 * replaced build to keep until {@code keep-previous} has passed since the switch, then drop. A second
 * {@link ReadModelDefinitions} over the hub's own folder and stores plays the restarted hub (no lanes run: it only
 * decides), with build records of its own.
 */
class ReadModelBuildsRestartTest extends HubTestBase {

    @Autowired
    DefinedReadModelFactory factory;

    @Autowired
    DataSource dataSource;

    @Autowired
    ReadModelDefinitionsProperties properties;

    private static final SubscriberStatus NO_LANES = new SubscriberStatus(LogPosition.START, null, null, null,
            List.of());

    @Test
    void aRestartedHubResumesTheRebuildAndKeepsTheReplacedBuildOnlyUntilKeepPreviousHasPassed() throws Exception {
        ReadModelBuilds records = new ReadModelBuilds(dataSource, "restart-" + UUID.randomUUID() + "-");
        Instant now = Instant.now();
        // order-stats: live build 0; build 6 was replaced two hours ago; build 7 was filling when the hub stopped
        int stats = json(get("/api/read-models/order-stats")).path("version").asInt();
        records.replaced("order-stats", new ReadModelBuilds.Replaced(stats, 6, "", now.minus(Duration.ofHours(2))));
        records.building("order-stats", stats, 7);
        // account-balances: live build 2 since a minute ago; it replaced version 99 of another definition text
        int balances = json(get("/api/read-models/account-balances")).path("version").asInt();
        String file = properties.dir().resolve("account-balances.yaml").toString();
        String older = Files.readString(Path.of(file)).replaceFirst("(?m)^version: " + balances + "$", "version: 99");
        records.live("account-balances", balances, 2);
        records.replaced("account-balances", new ReadModelBuilds.Replaced(99, 0, older,
                now.minus(Duration.ofMinutes(1))));

        ReadModelDefinitions restarted = new ReadModelDefinitions(properties.dir(), Duration.ofHours(1), factory,
                records, new ReadModels());
        restarted.loadAtStart();

        assertThat(restarted.readModels().find("order-stats").orElseThrow().defined().generation()).isZero();
        assertThat(restarted.readModels().find("account-balances").orElseThrow().defined().generation()).isEqualTo(2);
        assertThat(restarted.building()).containsEntry("order-stats", "v" + stats + "r7").hasSize(1);
        assertThat(restarted.previous()).containsEntry("order-stats", "v" + stats + "r6")
                .containsEntry("account-balances", "v99").hasSize(2);

        // The first round of the switcher: build 7 has no live lane yet, so it goes on building; the build replaced
        // two hours ago is dropped and forgotten; the one replaced a minute ago stays.
        assertThat(restarted.switchCaughtUp(NO_LANES, now)).isEmpty();
        assertThat(restarted.building()).containsEntry("order-stats", "v" + stats + "r7");
        assertThat(restarted.previous()).containsOnlyKeys("account-balances");
        assertThat(records.replaced("order-stats")).isEmpty();
        assertThat(records.of("order-stats", stats).building()).hasValue(7);
        assertThat(records.replaced("account-balances")).hasValueSatisfying(r -> assertThat(r.version()).isEqualTo(99));

        // An hour later it goes too.
        restarted.switchCaughtUp(NO_LANES, now.plus(Duration.ofHours(1)));
        assertThat(restarted.previous()).isEmpty();
        assertThat(records.replaced("account-balances")).isEmpty();
    }
}
