package io.projhub.server.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * One API key as the hub keeps it: its id, its role, the SHA-256 of the whole key, and an optional name for logs and
 * event metadata. The key itself ({@code phk_<id>_<secret>}, the secret at least 32 random bytes) is never kept: a
 * plain hash is enough for random keys of that length, and the id finds the record without comparing every hash.
 */
public record ApiKey(String id, Role role, String sha256Hex, String name) {

    public static final String PREFIX = "phk_";
    static final Pattern ID = Pattern.compile("[A-Za-z0-9]{1,64}");
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_PRESENTED_LENGTH = 512;

    public ApiKey {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("an API key id is 1 to 64 letters or digits");
        }
        if (role == null) {
            throw new IllegalArgumentException("an API key has a role");
        }
        if (sha256Hex == null || !HEX.matcher(sha256Hex).matches()) {
            throw new IllegalArgumentException("an API key hash is 64 lower-case hex digits");
        }
        if (name != null && (name.isBlank() || name.length() > 100 || name.chars().anyMatch(Character::isISOControl))) {
            throw new IllegalArgumentException("an API key name is 1 to 100 printable characters");
        }
    }

    /** How the key is named in logs and event metadata: its name, else its id. */
    public String displayName() {
        return name != null ? name : id;
    }

    /** True if {@code presented} is this key (a constant-time comparison of the hashes). */
    public boolean matches(String presented) {
        return MessageDigest.isEqual(sha256(presented), HexFormat.of().parseHex(sha256Hex));
    }

    /** The id in a presented key ({@code phk_<id>_<secret>}), or null if it does not have that shape. */
    public static String idOf(String presented) {
        if (presented == null || presented.length() > MAX_PRESENTED_LENGTH || !presented.startsWith(PREFIX)) {
            return null;
        }
        int end = presented.indexOf('_', PREFIX.length());
        if (end < 0 || end == presented.length() - 1) {
            return null;
        }
        String id = presented.substring(PREFIX.length(), end);
        return ID.matcher(id).matches() ? id : null;
    }

    public static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    public static String sha256Hex(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }
}
