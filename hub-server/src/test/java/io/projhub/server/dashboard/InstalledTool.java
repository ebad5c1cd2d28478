package io.projhub.server.dashboard;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Debian-packaged command the tests need (promtool, amtool, chromium). A missing one fails the test with the
 * package to install: these checks are part of "done", never skipped.
 */
record InstalledTool(Path executable, String debianPackage) {

    static final InstalledTool PROMTOOL = new InstalledTool(Path.of("/usr/bin/promtool"), "prometheus");
    static final InstalledTool AMTOOL = new InstalledTool(Path.of("/usr/bin/amtool"), "prometheus-alertmanager");
    static final InstalledTool CHROMIUM = new InstalledTool(Path.of("/usr/bin/chromium"), "chromium");
    static final InstalledTool CHROMEDRIVER = new InstalledTool(Path.of("/usr/bin/chromedriver"), "chromium-driver");

    /** What a finished command printed (stdout and stderr together) and how it exited. */
    record Result(int exitCode, String output) {
    }

    InstalledTool requireInstalled() {
        if (!Files.isExecutable(executable)) {
            fail(executable + " is missing: install the Debian package '" + debianPackage
                    + "' (apt-get install -y --no-install-recommends " + debianPackage + ")");
        }
        return this;
    }

    /** Runs the tool in {@code directory} and waits up to two minutes. */
    Result run(Path directory, String... arguments) throws IOException, InterruptedException {
        requireInstalled();
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within 2 minutes:\n" + output);
        }
        return new Result(process.exitValue(), output);
    }

    /** The repository's {@code deploy/} folder, found above the working directory (a module folder under Maven). */
    static Path deployDirectory() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("deploy");
            if (Files.isRegularFile(candidate.resolve("stores.sh"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("deploy/ not found above " + Path.of("").toAbsolutePath());
    }
}
