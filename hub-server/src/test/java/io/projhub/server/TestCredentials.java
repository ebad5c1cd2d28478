package io.projhub.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

import io.projhub.server.security.ApiKey;

/**
 * The API keys of the test hub: one per role, made once per JVM and written (as hashes) to a keys file the hub reads
 * ({@code projhub.security.api-keys-file}). Tests may add a line to the file and must take it out again.
 */
public final class TestCredentials {

    public static final String WRITER = newKey("testwriter");
    public static final String READER = newKey("testreader");
    public static final String ADMIN = newKey("testadmin");
    public static final Path KEYS_FILE = keysFile();

    private TestCredentials() {
    }

    /** A new random key {@code phk_<id>_<secret>} (32 random bytes). */
    public static String newKey(String id) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return ApiKey.PREFIX + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** The keys file line of a key. */
    public static String line(String key, String role, String name) {
        String id = ApiKey.idOf(key);
        return id + " " + role + " " + ApiKey.sha256Hex(key) + (name == null ? "" : " " + name);
    }

    private static Path keysFile() {
        try {
            Path file = Files.createTempFile("projhub-api-keys-", ".txt");
            file.toFile().deleteOnExit();
            Files.writeString(file, String.join("\n",
                    "# the test hub's keys: <id> <role> <sha256-hex> [name]",
                    line(WRITER, "writer", "test-writer"),
                    line(READER, "reader", "test-reader"),
                    line(ADMIN, "admin", "test-admin"), ""), StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
