package io.projhub.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.projhub.testsupport.StoreEndpoints;

/**
 * A real hub: {@code hub-server/target/hub-server.jar} started as its own process against the bench stores, as
 * {@code deploy/run.sh} starts it (same JVM flags unless overridden). It can be killed with SIGKILL and started
 * again over the same databases. Its output goes to a log file, never to the console (it holds no credentials,
 * but it is long).
 */
public final class HubProcess implements AutoCloseable {

    public static final String ADMIN_USER = "admin";

    private final Path jar;
    private final StoreEndpoints stores;
    private final Map<String, String> properties;
    private final List<String> jvmOptions;
    private final Path logDir;
    private final String adminPassword;
    private final HubKeys keys;
    private final int port;
    private Process process;
    private int starts;

    private HubProcess(Builder builder) {
        this.jar = builder.repositoryRoot.resolve("hub-server/target/hub-server.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first (mvn -DskipTests install)");
        }
        this.stores = builder.stores;
        this.properties = new LinkedHashMap<>(builder.properties);
        this.jvmOptions = List.copyOf(builder.jvmOptions);
        this.logDir = builder.logDir;
        this.adminPassword = builder.adminPassword;
        this.keys = builder.keys;
        this.port = builder.port > 0 ? builder.port : freePort();
    }

    public static Builder builder(Path repositoryRoot, StoreEndpoints stores) {
        return new Builder(repositoryRoot, stores);
    }

    /** Starts the process and waits until {@code /actuator/health} answers (UP or DOWN: a store may be down on purpose). */
    public HubProcess start(Duration timeout) {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("hub already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(logDir);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            command.add("-jar");
            command.add(jar.toString());
            properties.forEach((key, value) -> command.add("--" + key + "=" + value));
            ProcessBuilder pb = new ProcessBuilder(command);
            Map<String, String> env = pb.environment();
            env.put("PROJHUB_HTTP_PORT", Integer.toString(port));
            env.put("PROJHUB_PG_URL", stores.postgresUrl());
            env.put("PROJHUB_PG_USER", stores.postgresUser());
            env.put("PROJHUB_PG_PASSWORD", stores.postgresPassword());
            env.put("PROJHUB_REDIS_URL", stores.redisUrl());
            env.put("PROJHUB_ES_URL", stores.elasticsearchUrl());
            env.put("PROJHUB_NEO4J_URI", stores.neo4jUri());
            env.put("PROJHUB_NEO4J_USER", stores.neo4jUser());
            env.put("PROJHUB_NEO4J_PASSWORD", stores.neo4jPassword());
            env.put("PROJHUB_INFLUX_URL", stores.influxUrl());
            env.put("PROJHUB_INFLUX_ORG", stores.influxOrg());
            env.put("PROJHUB_INFLUX_BUCKET", stores.influxBucket());
            env.put("PROJHUB_INFLUX_TOKEN", stores.influxToken());
            env.put("PROJHUB_ADMIN_USER", ADMIN_USER);
            env.put("PROJHUB_ADMIN_PASSWORD", adminPassword);
            // Only the keys' hashes, in a file only this user may read (as deploy/run.sh keeps them).
            Path keysFile = logDir.resolve("api-keys-" + port);
            Files.deleteIfExists(keysFile);
            Files.createFile(keysFile, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(keysFile, keys.keysFile());
            env.put("PROJHUB_API_KEYS_FILE", keysFile.toString());
            starts++;
            Path log = logDir.resolve("hub-" + java.time.LocalTime.now().withNano(0).toString().replace(":", "")
                    + "-" + starts + ".log");
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            process = pb.start();
            HubApi api = api();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("hub exited with " + process.exitValue() + " while starting; see " + log);
                }
                if (api.healthAnswers()) {
                    return this;
                }
                Thread.sleep(200);
            }
            throw new IllegalStateException("hub did not answer /actuator/health within " + timeout + "; see " + log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the hub: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the hub", e);
        }
    }

    /** SIGKILL: no shutdown hook, no graceful stop, exactly what a crash or an OOM killer does. */
    public void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitForExit();
    }

    /** SIGTERM and wait: a graceful stop. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        waitForExit();
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public int starts() {
        return starts;
    }

    /** Resident set size of the hub process in bytes (from /proc), or -1 if unknown. */
    public long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    public HubApi api() {
        return new HubApi("http://127.0.0.1:" + port, ADMIN_USER, adminPassword, keys);
    }

    /** The API keys this hub accepts, one per role. */
    public HubKeys keys() {
        return keys;
    }

    /** The admin login (HTTP Basic) this hub accepts. */
    public String adminPassword() {
        return adminPassword;
    }

    public Path logDir() {
        return logDir;
    }

    @Override
    public void close() {
        stop();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The hub's JVM options in deploy/run.sh, and the bench's; {@code PROJHUB_JAVA_OPTS} adds to them. */
    static final List<String> HUB_JVM_OPTIONS = hubJvmOptions();

    private static List<String> hubJvmOptions() {
        List<String> options = new ArrayList<>(List.of("-Xms256m", "-Xmx256m", "-Xmn128m", "-XX:+UseParallelGC"));
        String extra = System.getenv("PROJHUB_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            options.addAll(List.of(extra.trim().split("\\s+")));
        }
        return List.copyOf(options);
    }

    public static final class Builder {
        private final Path repositoryRoot;
        private final StoreEndpoints stores;
        private final Map<String, String> properties = new LinkedHashMap<>();
        /** As deploy/run.sh: its JVM options, then those of {@code PROJHUB_JAVA_OPTS} (later ones win). */
        private final List<String> jvmOptions = new ArrayList<>(HUB_JVM_OPTIONS);
        private Path logDir;
        private String adminPassword = "bench-" + Long.toHexString(new java.security.SecureRandom().nextLong());
        private final HubKeys keys = HubKeys.generate();
        private int port;

        private Builder(Path repositoryRoot, StoreEndpoints stores) {
            this.repositoryRoot = repositoryRoot;
            this.stores = stores;
            this.logDir = repositoryRoot.resolve("bench/target/hub-logs");
            property("projhub.projection.namespace", "bench-");
            // Tests and benchmarks must not pick an unreachable default receiver; the log notifier stays on.
            property("logging.structured.format.console", "ecs");
        }

        /** A Spring property, passed as {@code --key=value}. */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /**
         * Runs the hub with only these definition files of the repository's {@code read-models/} (copied to a
         * folder of their own).
         */
        public Builder definitions(List<String> names) {
            try {
                Path dir = Files.createTempDirectory("projhub-hub-definitions-");
                for (String name : names) {
                    Files.copy(repositoryRoot.resolve("read-models").resolve(name + ".yaml"),
                            dir.resolve(name + ".yaml"));
                }
                return property("projhub.read-models.dir", dir.toString());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        public Builder jvmOptions(List<String> options) {
            jvmOptions.clear();
            jvmOptions.addAll(options);
            return this;
        }

        public Builder logDir(Path dir) {
            this.logDir = dir;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public HubProcess build() {
            return new HubProcess(this);
        }
    }
}
