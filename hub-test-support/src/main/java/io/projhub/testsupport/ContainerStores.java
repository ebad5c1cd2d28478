package io.projhub.testsupport;

import java.time.Duration;
import java.util.List;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The same five stores as official images, for machines with a Docker engine (the images and settings of
 * {@code deploy/docker-compose.yml}). Started once per test JVM; Testcontainers' reaper removes them.
 */
final class ContainerStores {

    private static final String PG_PASSWORD = "projhub";
    private static final String INFLUX_TOKEN = "projhub-local-token";

    private ContainerStores() {
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @SuppressWarnings("resource") // containers live as long as the test JVM
    static StoreEndpoints start() {
        GenericContainer<?> postgres = new GenericContainer<>(DockerImageName.parse("postgres:16"))
                .withEnv("POSTGRES_USER", "projhub").withEnv("POSTGRES_PASSWORD", PG_PASSWORD)
                .withEnv("POSTGRES_DB", "projhub_test").withExposedPorts(5432)
                .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*", 2));
        GenericContainer<?> redis = new GenericContainer<>(DockerImageName.parse("redis:7"))
                .withExposedPorts(6379).waitingFor(Wait.forListeningPort());
        GenericContainer<?> elasticsearch = new GenericContainer<>(
                DockerImageName.parse("docker.elastic.co/elasticsearch/elasticsearch:9.5.3"))
                .withEnv("discovery.type", "single-node").withEnv("xpack.security.enabled", "false")
                .withEnv("ES_JAVA_OPTS", "-Xms256m -Xmx256m").withExposedPorts(9200)
                .waitingFor(Wait.forHttp("/_cluster/health?wait_for_status=yellow").forPort(9200)
                        .withStartupTimeout(Duration.ofMinutes(3)));
        GenericContainer<?> neo4j = new GenericContainer<>(DockerImageName.parse("neo4j:5"))
                .withEnv("NEO4J_AUTH", "none").withExposedPorts(7687)
                .waitingFor(Wait.forLogMessage(".*Started.*", 1).withStartupTimeout(Duration.ofMinutes(2)));
        GenericContainer<?> influx = new GenericContainer<>(DockerImageName.parse("influxdb:2.7"))
                .withEnv("DOCKER_INFLUXDB_INIT_MODE", "setup")
                .withEnv("DOCKER_INFLUXDB_INIT_USERNAME", "projhub")
                .withEnv("DOCKER_INFLUXDB_INIT_PASSWORD", "projhub-password")
                .withEnv("DOCKER_INFLUXDB_INIT_ORG", "projhub")
                .withEnv("DOCKER_INFLUXDB_INIT_BUCKET", "projhub_test")
                .withEnv("DOCKER_INFLUXDB_INIT_ADMIN_TOKEN", INFLUX_TOKEN)
                .withExposedPorts(8086).waitingFor(Wait.forHttp("/ping").forPort(8086).forStatusCode(204));
        List.of(postgres, redis, elasticsearch, neo4j, influx).parallelStream().forEach(GenericContainer::start);
        try {
            // InfluxQL reads on 2.x need a database/retention-policy mapping for the bucket.
            influx.execInContainer("sh", "-c", "influx v1 dbrp create --db projhub_test --rp autogen --default"
                    + " --bucket-id $(influx bucket list -n projhub_test --hide-headers | cut -f1)"
                    + " -o projhub -t " + INFLUX_TOKEN);
        } catch (Exception e) {
            throw new IllegalStateException("Could not map the InfluxDB bucket for InfluxQL: " + e.getMessage(), e);
        }
        return new StoreEndpoints(
                "jdbc:postgresql://" + postgres.getHost() + ":" + postgres.getMappedPort(5432) + "/projhub_test",
                "projhub", PG_PASSWORD,
                "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379) + "/1",
                "http://" + elasticsearch.getHost() + ":" + elasticsearch.getMappedPort(9200),
                "bolt://" + neo4j.getHost() + ":" + neo4j.getMappedPort(7687), "neo4j", "",
                "http://" + influx.getHost() + ":" + influx.getMappedPort(8086), "projhub", "projhub_test",
                INFLUX_TOKEN, "testcontainers");
    }
}
