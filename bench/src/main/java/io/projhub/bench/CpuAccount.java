package io.projhub.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the machine's CPU went during a phase: user + system time of every process, from {@code /proc}, grouped by
 * what it is (the hub, each store, the bench itself). Processes that end within the phase are not counted.
 */
final class CpuAccount {

    /** Linux's USER_HZ, the unit of /proc/[pid]/stat times, is 100 on every mainstream kernel. */
    private static final double TICKS_PER_SECOND = 100.0;

    record Snapshot(long nanos, Map<Long, Long> ticksByPid, Map<Long, String> groupByPid) {
    }

    static Snapshot snapshot() {
        Map<Long, Long> ticks = new HashMap<>();
        Map<Long, String> groups = new HashMap<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path proc : procs) {
                try {
                    String stat = Files.readString(proc.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long used = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);   // utime, stime
                    long pid = Long.parseLong(proc.getFileName().toString());
                    ticks.put(pid, used);
                    groups.put(pid, group(proc, stat));
                } catch (IOException | RuntimeException gone) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc", e);
        }
        return new Snapshot(System.nanoTime(), ticks, groups);
    }

    private static String group(Path proc, String stat) throws IOException {
        String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
        if (cmdline.contains("hub-server.jar")) {
            return "hub";
        }
        if (cmdline.contains("io.projhub.bench.BenchMain")) {
            return "bench driver";
        }
        if (cmdline.contains("org.elasticsearch")) {
            return "elasticsearch";
        }
        if (cmdline.contains("org.neo4j")) {
            return "neo4j";
        }
        if (comm.startsWith("postgres") || cmdline.startsWith("postgres")) {
            return "postgres";
        }
        if (comm.startsWith("redis")) {
            return "redis";
        }
        if (comm.startsWith("influxd")) {
            return "influxdb";
        }
        if (comm.startsWith("nginx")) {
            return "influxdb (nginx front)";
        }
        return "other";
    }

    /** Per group: share of one core used between the two snapshots (100 % = one core busy all the time). */
    static Map<String, Double> between(Snapshot before, Snapshot after) {
        double seconds = (after.nanos() - before.nanos()) / 1e9;
        Map<String, Double> cores = new LinkedHashMap<>();
        after.ticksByPid().forEach((pid, ticks) -> {
            long used = ticks - before.ticksByPid().getOrDefault(pid, 0L);
            if (used > 0) {
                cores.merge(after.groupByPid().get(pid), used / TICKS_PER_SECOND / seconds * 100, Double::sum);
            }
        });
        Map<String, Double> sorted = new LinkedHashMap<>();
        cores.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    static String format(Map<String, Double> shares) {
        StringBuilder sb = new StringBuilder();
        double total = shares.values().stream().mapToDouble(Double::doubleValue).sum();
        shares.forEach((group, share) -> sb.append(sb.length() == 0 ? "" : ", ")
                .append(String.format(java.util.Locale.ROOT, "%s %.0f %%", group, share)));
        return sb.append(String.format(java.util.Locale.ROOT, " (total %.0f %% of %d cores × 100 %%)", total,
                Runtime.getRuntime().availableProcessors())).toString();
    }
}
