package io.projhub.server.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys, read from a file of lines {@code <id> <role> <sha256-hex> [name]} ({@code #} starts a comment) and
 * read again when the file changes (its modification time or size, looked at no more often than
 * {@code checkInterval}), so keys rotate without a restart: add the new key, move the clients, remove the old one.
 * A malformed line is skipped with its line number in the log; the other keys stay valid. Only key ids are logged.
 */
public final class ApiKeyFile {

    private static final Logger log = LoggerFactory.getLogger(ApiKeyFile.class);

    private record Snapshot(Object fileKey, long modified, long size, Map<String, ApiKey> byId, long checkedAt) {
    }

    private final Path file;
    private final long checkIntervalNanos;
    private volatile Snapshot snapshot;

    public ApiKeyFile(Path file, Duration checkInterval) {
        this.file = file;
        this.checkIntervalNanos = checkInterval.toNanos();
        this.snapshot = load(null);
    }

    /** The key the caller presented, if it is one of the file's keys. */
    public Optional<ApiKey> find(String presented) {
        String id = ApiKey.idOf(presented);
        if (id == null) {
            return Optional.empty();
        }
        ApiKey key = current().byId().get(id);
        return key != null && key.matches(presented) ? Optional.of(key) : Optional.empty();
    }

    /** The keys now in force. */
    public List<ApiKey> keys() {
        return List.copyOf(current().byId().values());
    }

    private Snapshot current() {
        Snapshot seen = snapshot;
        if (System.nanoTime() - seen.checkedAt() < checkIntervalNanos) {
            return seen;
        }
        synchronized (this) {
            if (snapshot != seen) {
                return snapshot;
            }
            snapshot = load(seen);
            return snapshot;
        }
    }

    private Snapshot load(Snapshot previous) {
        long now = System.nanoTime();
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            if (previous == null || previous.modified() != -1) {
                log.warn("event=api-keys-missing file={} reason=\"no API key is accepted until the file exists\"",
                        file);
            }
            return new Snapshot(null, -1, -1, Map.of(), now);
        } catch (IOException e) {
            log.warn("event=api-keys-unreadable file={} error=\"{}\"", file, e.getMessage());
            return previous == null ? new Snapshot(null, -1, -1, Map.of(), now) : withCheckedAt(previous, now);
        }
        long modified = attributes.lastModifiedTime().toMillis();
        if (previous != null && modified == previous.modified() && attributes.size() == previous.size()
                && java.util.Objects.equals(attributes.fileKey(), previous.fileKey())) {
            return withCheckedAt(previous, now);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            log.warn("event=api-keys-unreadable file={} error=\"{}\"", file, e.getMessage());
            return previous == null ? new Snapshot(null, -1, -1, Map.of(), now) : withCheckedAt(previous, now);
        }
        Map<String, ApiKey> byId = parse(lines);
        log.info("event=api-keys-loaded file={} keys={} ids={}", file, byId.size(), byId.keySet());
        return new Snapshot(attributes.fileKey(), modified, attributes.size(), Map.copyOf(byId), now);
    }

    private Map<String, ApiKey> parse(List<String> lines) {
        Map<String, ApiKey> byId = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+", 4);
            try {
                if (fields.length < 3) {
                    throw new IllegalArgumentException("a key line is <id> <role> <sha256-hex> [name]");
                }
                Role role = Role.named(fields[1]).orElseThrow(() ->
                        new IllegalArgumentException("the role is one of writer, reader, admin"));
                ApiKey key = new ApiKey(fields[0], role, fields[2].toLowerCase(java.util.Locale.ROOT),
                        fields.length == 4 ? fields[3].strip() : null);
                if (byId.putIfAbsent(key.id(), key) != null) {
                    throw new IllegalArgumentException("the id " + key.id() + " is already used by an earlier line");
                }
            } catch (IllegalArgumentException e) {
                log.warn("event=api-key-line-skipped file={} line={} reason=\"{}\"", file, i + 1, e.getMessage());
            }
        }
        return byId;
    }

    private static Snapshot withCheckedAt(Snapshot s, long now) {
        return new Snapshot(s.fileKey(), s.modified(), s.size(), s.byId(), now);
    }
}
