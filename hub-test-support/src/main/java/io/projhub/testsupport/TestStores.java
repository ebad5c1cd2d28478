package io.projhub.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Resolves the stores a test run uses, once per test JVM:
 * <ol>
 *   <li>local servers started by {@code deploy/stores.sh up}: from the {@code PROJHUB_*} environment that
 *       {@code deploy/test.sh} exports, or else from the {@code .run/stores.env} file it wrote;</li>
 *   <li>otherwise containers, when a Docker engine answers ({@link ContainerStores});</li>
 *   <li>otherwise the test fails, saying how to start the stores. Never a silent skip.</li>
 * </ol>
 * Tests get the {@code _test} database, bucket and Redis database, so a running hub's data is not touched.
 */
public final class TestStores {

    static final String HOW_TO_START = """
            No stores for the integration tests. Start the real servers and run the suite through the test command:
                deploy/test.sh                 (starts every store with deploy/stores.sh up, then mvn -B verify)
            or start them once and run Maven yourself:
                deploy/stores.sh up && mvn verify
            A machine with a Docker engine gets them from Testcontainers instead.""";

    /** Resolved once per test JVM: containers, if any, must be shared by every test class. */
    private static StoreEndpoints resolved;

    private TestStores() {
    }

    /** The endpoints of this run; throws {@link IllegalStateException} with instructions if there are none. */
    public static synchronized StoreEndpoints endpoints() {
        if (resolved == null) {
            resolved = resolve();
        }
        return resolved;
    }

    /**
     * The endpoints benchmarks and fault runs use: the same local servers, with their own database, Redis database and
     * bucket ({@code PROJHUB_BENCH_*} in stores.env). Local stores only.
     */
    public static synchronized StoreEndpoints benchEndpoints() {
        if ("local".equals(System.getenv("PROJHUB_STORES"))) {
            return fromVariables(System::getenv, "environment", "PROJHUB_BENCH_");
        }
        Path envFile = findStoresEnvFile();
        if (envFile == null) {
            throw new IllegalStateException(HOW_TO_START);
        }
        Map<String, String> vars = readEnvFile(envFile);
        return fromVariables(vars::get, envFile.toString(), "PROJHUB_BENCH_");
    }

    private static StoreEndpoints resolve() {
        if ("local".equals(System.getenv("PROJHUB_STORES"))) {
            return fromVariables(System::getenv, "environment");
        }
        Path envFile = findStoresEnvFile();
        if (envFile != null) {
            Map<String, String> vars = readEnvFile(envFile);
            return fromVariables(vars::get, envFile.toString());
        }
        if (ContainerStores.dockerAvailable()) {
            return ContainerStores.start();
        }
        throw new IllegalStateException(HOW_TO_START);
    }

    static StoreEndpoints fromVariables(Function<String, String> vars, String source) {
        return fromVariables(vars, source, "PROJHUB_TEST_");
    }

    /** {@code overridePrefix} variables (e.g. PROJHUB_TEST_PG_URL) replace the database, Redis and bucket ones. */
    static StoreEndpoints fromVariables(Function<String, String> vars, String source, String overridePrefix) {
        Function<String, String> required = name -> {
            String value = vars.apply(name);
            if (value == null) {
                throw new IllegalStateException("Variable " + name + " is missing in " + source + ".\n" + HOW_TO_START);
            }
            return value;
        };
        Function<String, String> testOr = name -> {
            String test = vars.apply(overridePrefix + name.substring("PROJHUB_".length()));
            return test != null ? test : required.apply(name);
        };
        return new StoreEndpoints(
                testOr.apply("PROJHUB_PG_URL"), required.apply("PROJHUB_PG_USER"), required.apply("PROJHUB_PG_PASSWORD"),
                testOr.apply("PROJHUB_REDIS_URL"),
                required.apply("PROJHUB_ES_URL"),
                required.apply("PROJHUB_NEO4J_URI"), required.apply("PROJHUB_NEO4J_USER"),
                vars.apply("PROJHUB_NEO4J_PASSWORD") == null ? "" : vars.apply("PROJHUB_NEO4J_PASSWORD"),
                required.apply("PROJHUB_INFLUX_URL"), required.apply("PROJHUB_INFLUX_ORG"),
                testOr.apply("PROJHUB_INFLUX_BUCKET"), required.apply("PROJHUB_INFLUX_TOKEN"),
                source);
    }

    /** Walks up from the working directory (a module folder under Maven) to the repository's run folder. */
    private static Path findStoresEnvFile() {
        String runDir = System.getenv("PROJHUB_RUN_DIR");
        if (runDir != null && Files.isRegularFile(Path.of(runDir, "stores.env"))) {
            return Path.of(runDir, "stores.env");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(".run").resolve("stores.env");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    static Map<String, String> readEnvFile(Path file) {
        Map<String, String> vars = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                if (trimmed.startsWith("export ")) {
                    trimmed = trimmed.substring("export ".length());
                }
                int eq = trimmed.indexOf('=');
                if (eq > 0) {
                    vars.put(trimmed.substring(0, eq), trimmed.substring(eq + 1));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        return vars;
    }
}
