package io.projhub.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The API keys a bench or fault-run hub is started with, one per role, made fresh for each {@link HubProcess}. The hub
 * gets only their hashes ({@link #keysFile()}, the format {@code deploy/api-key.sh} writes).
 */
public record HubKeys(String writer, String reader, String admin) {

    private static final SecureRandom RANDOM = new SecureRandom();

    public static HubKeys generate() {
        return new HubKeys(key("benchwriter"), key("benchreader"), key("benchadmin"));
    }

    /** A new key {@code phk_<id>_<secret>} with 32 random bytes of secret. */
    public static String key(String id) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return "phk_" + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    public static String sha256Hex(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The keys file: {@code <id> <role> <sha256-hex> <name>} per key. */
    public String keysFile() {
        return line(writer, "writer") + line(reader, "reader") + line(admin, "admin");
    }

    private static String line(String key, String role) {
        String id = key.substring("phk_".length(), key.indexOf('_', "phk_".length()));
        return id + " " + role + " " + sha256Hex(key) + " bench-" + role + "\n";
    }

    @Override
    public String toString() {
        return "HubKeys[writer, reader, admin: not shown]";
    }
}
