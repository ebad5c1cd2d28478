package io.projhub.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import io.projhub.server.HubTestBase;
import tools.jackson.databind.JsonNode;

/**
 * The operations assets under {@code deploy/}: Prometheus rules and config pass promtool (syntax and unit tests),
 * the Alertmanager sample passes amtool and holds placeholders only, and the Grafana dashboard and the rules
 * query only metrics this hub really exports (read from the running hub's {@code /actuator/prometheus}).
 */
class DeployAssetsTest extends HubTestBase {

    private static final Pattern HUB_METRIC = Pattern.compile("\\bprojhub_[a-z0-9_]+\\b");

    private Path deploy;

    @BeforeEach
    void findDeploy() {
        deploy = InstalledTool.deployDirectory();
    }

    @Test
    void promtoolAcceptsTheShippedAlertRules() throws Exception {
        InstalledTool.Result check = InstalledTool.PROMTOOL.run(deploy.resolve("prometheus"), "check", "rules", "alert-rules.yml");

        assertThat(check.exitCode()).as("promtool check rules alert-rules.yml:\n%s", check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS");
    }

    @Test
    void theAlertRulesFireWhenTheirUnitTestsSayAndNotBefore() throws Exception {
        InstalledTool.Result test = InstalledTool.PROMTOOL.run(deploy.resolve("prometheus"), "test", "rules", "alert-rules-test.yml");

        assertThat(test.exitCode()).as("promtool test rules alert-rules-test.yml:\n%s", test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    @Test
    void theAlertRulesCoverLagStallsHeartbeatDeadLettersLaneStateAndFrontier() {
        String rules = read(deploy.resolve("prometheus/alert-rules.yml"));

        assertThat(rules).contains("alert: ProjhubLagHigh", "alert: ProjhubLaneStalled", "alert: ProjhubPollerHeartbeatMissing",
                "alert: ProjhubDeadLetters", "alert: ProjhubLaneRetrying", "alert: ProjhubLaneStopped",
                "alert: ProjhubFrontierPinned", "alert: ProjhubCheckpointNotInLog");
    }

    @Test
    void theSamplePrometheusConfigIsValidAndScrapesTheHub() throws Exception {
        // as an operator sets it up: the key file (not in git) copied from its example
        Path setUp = Files.createTempDirectory("projhub-prometheus-");
        for (String file : List.of("prometheus.yml", "alert-rules.yml")) {
            Files.copy(deploy.resolve("prometheus").resolve(file), setUp.resolve(file));
        }
        Files.copy(deploy.resolve("prometheus/projhub-reader-key.example"), setUp.resolve("projhub-reader-key"));
        InstalledTool.Result check = InstalledTool.PROMTOOL.run(setUp, "check", "config", "prometheus.yml");
        deleteTree(setUp);

        assertThat(check.exitCode()).as("promtool check config prometheus.yml:\n%s", check.output()).isZero();
        Map<String, Object> config = yaml(deploy.resolve("prometheus/prometheus.yml"));
        @SuppressWarnings("unchecked")
        Map<String, Object> job = ((List<Map<String, Object>>) config.get("scrape_configs")).get(0);
        assertThat(job).containsEntry("job_name", "projection-hub").containsEntry("metrics_path", "/actuator/prometheus");
    }

    @Test
    void theAlertmanagerSampleIsValidRoutesToPagerDutyAndSlackAndHoldsNoSecret() throws Exception {
        InstalledTool.Result check = InstalledTool.AMTOOL.run(deploy.resolve("alertmanager"), "check-config", "alertmanager.yml");
        assertThat(check.exitCode()).as("amtool check-config alertmanager.yml:\n%s", check.output()).isZero();

        Map<String, Object> config = yaml(deploy.resolve("alertmanager/alertmanager.yml"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> receivers = (List<Map<String, Object>>) config.get("receivers");
        String pagerDuty = String.valueOf(firstConfig(receivers, "pagerduty_configs").get("routing_key"));
        String slack = String.valueOf(firstConfig(receivers, "slack_configs").get("api_url"));
        assertThat(pagerDuty).isEqualTo("<PAGERDUTY_ROUTING_KEY>");
        assertThat(slack).contains("REPLACE");
        assertThat(read(deploy.resolve("alertmanager/alertmanager.yml"))).contains("PLACEHOLDER");
    }

    @Test
    void theGrafanaDashboardParsesAndQueriesOnlyMetricsTheHubExports() throws Exception {
        String text = read(deploy.resolve("grafana/projection-hub.json"));
        JsonNode dashboard = JSON.readTree(text);

        assertThat(dashboard.path("title").asString()).isEqualTo("Projection Hub");
        List<String> expressions = new ArrayList<>();
        collectExpressions(dashboard.path("panels"), expressions);
        assertThat(expressions).as("panel queries").hasSizeGreaterThan(10);
        Set<String> used = metricNames(text);
        assertThat(used).as("the dashboard shows lag, checkpoint vs head, retries, dead letters, heartbeat, frontier")
                .contains("projhub_lag_seconds", "projhub_lag_events", "projhub_checkpoint_position", "projhub_head_position",
                        "projhub_retries_total", "projhub_dead_letters", "projhub_poller_heartbeat_timestamp_seconds",
                        "projhub_frontier_pinned_seconds");
        assertExported(used, "deploy/grafana/projection-hub.json");
    }

    @Test
    void theAlertRulesQueryOnlyMetricsTheHubExports() throws Exception {
        assertExported(metricNames(read(deploy.resolve("prometheus/alert-rules.yml"))), "deploy/prometheus/alert-rules.yml");
    }

    private void assertExported(Set<String> used, String file) throws Exception {
        Set<String> exported = exportedMetrics();
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(exported);
        assertThat(missing).as("metrics %s queries that /actuator/prometheus does not export (it has %s)", file, exported)
                .isEmpty();
    }

    private Set<String> exportedMetrics() throws Exception {
        HttpResponse<String> scrape = get("/actuator/prometheus");
        assertThat(scrape.statusCode()).isEqualTo(200);
        Set<String> names = new TreeSet<>();
        for (String line : scrape.body().split("\n")) {
            String name;
            if (line.startsWith("# TYPE ")) {
                name = line.substring(7).split(" ")[0];
            } else if (!line.isBlank() && !line.startsWith("#")) {
                name = line.split("[{ ]")[0];
            } else {
                continue;
            }
            names.add(name);
        }
        assertThat(names).as("the hub's own metrics").anyMatch(n -> n.startsWith("projhub_"));
        return names;
    }

    private static Set<String> metricNames(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = HUB_METRIC.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    private static void collectExpressions(JsonNode panels, List<String> into) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asString("");
                assertThat(expr).as("panel '%s' has an empty query", panel.path("title").asString()).isNotBlank();
                into.add(expr);
            }
            collectExpressions(panel.path("panels"), into);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> firstConfig(List<Map<String, Object>> receivers, String kind) {
        for (Map<String, Object> receiver : receivers) {
            if (receiver.get(kind) instanceof List<?> configs && !configs.isEmpty()) {
                return (Map<String, Object>) configs.get(0);
            }
        }
        throw new AssertionError("no receiver with " + kind);
    }

    private static Map<String, Object> yaml(Path file) {
        return new Yaml().load(read(file));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var files = Files.walk(dir)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
