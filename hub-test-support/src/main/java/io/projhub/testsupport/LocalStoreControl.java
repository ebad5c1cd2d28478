package io.projhub.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Stops and starts one local store with {@code deploy/stores.sh}, for fault tests: a store that is really down,
 * not a mock that says so. Only for stores this repository's script started (never a Testcontainers store).
 */
public final class LocalStoreControl {

    private final Path script;

    private LocalStoreControl(Path script) {
        this.script = script;
    }

    /** Finds {@code deploy/stores.sh} above the working directory (a module folder under Maven). */
    public static LocalStoreControl find() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("deploy").resolve("stores.sh");
            if (Files.isRegularFile(candidate)) {
                return new LocalStoreControl(candidate);
            }
        }
        throw new IllegalStateException("deploy/stores.sh not found above " + Path.of("").toAbsolutePath());
    }

    /** Stops the store and checks it is down: a store another run folder started cannot be stopped from here. */
    public void stop(String store) {
        run("down", store);
        String status = run("status", store);
        if (!status.contains(" down ")) {
            throw new IllegalStateException(store + " is still running after deploy/stores.sh down (it was started "
                    + "from another run folder, so this checkout cannot stop it):\n" + status);
        }
    }

    public void start(String store) {
        run("up", store);
    }

    private String run(String action, String store) {
        try {
            Process process = new ProcessBuilder("bash", script.toString(), action, store).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(180, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("deploy/stores.sh " + action + " " + store + " failed:\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
