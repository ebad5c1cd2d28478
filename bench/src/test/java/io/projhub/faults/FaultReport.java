package io.projhub.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The measured figures of one fault test class, written as one markdown section to
 * {@code bench/target/faults/<TestName>.md} (deploy/faults.sh joins them into bench/FAULTS.md). Figures go into one
 * table in the order they are recorded; tables and text follow. The file is written after the class ran, whatever the
 * outcome, with each test's result: a failed run still reports how far it got.
 *
 * <p>Use {@code @ExtendWith(FaultReport.Writer.class)} on the test class and {@link #of(Class)} in it.
 */
public final class FaultReport {

    private static final Map<Class<?>, FaultReport> REPORTS = new ConcurrentHashMap<>();

    private final Class<?> testClass;
    private volatile String title;
    private final Instant started = Instant.now();
    private final Map<String, String> figures = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<String> blocks = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> outcomes = Collections.synchronizedMap(new LinkedHashMap<>());

    private FaultReport(Class<?> testClass) {
        this.testClass = testClass;
        this.title = testClass.getSimpleName();
    }

    /** The report of a test class (one per class and JVM). */
    public static FaultReport of(Class<?> testClass) {
        return REPORTS.computeIfAbsent(testClass, FaultReport::new);
    }

    /** The section's heading after the class name. */
    public FaultReport title(String text) {
        this.title = text;
        return this;
    }

    /** One measured figure: a row of the figures table (a figure recorded again replaces its value). */
    public FaultReport figure(String name, Object value) {
        figures.put(name, String.valueOf(value));
        return this;
    }

    /** A paragraph of markdown. */
    public FaultReport text(String markdown) {
        blocks.add(markdown.strip());
        return this;
    }

    /** A markdown table. */
    public FaultReport table(List<String> header, List<? extends List<?>> rows) {
        StringBuilder md = new StringBuilder();
        md.append("| ").append(String.join(" | ", header)).append(" |\n");
        md.append("|").append("---|".repeat(header.size())).append('\n');
        for (List<?> row : rows) {
            md.append("| ").append(row.stream().map(FaultReport::cell).collect(Collectors.joining(" | "))).append(" |\n");
        }
        blocks.add(md.toString().strip());
        return this;
    }

    public static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    public static String millis(long nanos) {
        return String.format(Locale.ROOT, "%d ms", Math.round(nanos / 1e6));
    }

    public static String rate(long count, long nanos) {
        return nanos <= 0 ? "n/a" : String.format(Locale.ROOT, "%.0f/s", count * 1e9 / nanos);
    }

    private static String cell(Object value) {
        return String.valueOf(value).replace("|", "\\|").replace("\n", " ");
    }

    void outcome(String test, String outcome) {
        outcomes.put(test, outcome);
    }

    /** The section as markdown. */
    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("## ").append(testClass.getSimpleName());
        if (!title.equals(testClass.getSimpleName())) {
            md.append(" — ").append(title);
        }
        md.append("\n\n");
        long failed = outcomes.values().stream().filter(o -> !o.startsWith("passed")).count();
        md.append("Result: **").append(outcomes.isEmpty() ? "not run" : failed == 0 ? "passed" : "FAILED").append("**");
        md.append(" (started ").append(started.truncatedTo(ChronoUnit.SECONDS)).append(", ")
                .append(seconds(java.time.Duration.between(started, Instant.now()).toNanos())).append(")\n\n");
        synchronized (outcomes) {
            outcomes.forEach((test, outcome) -> md.append("- `").append(test).append("`: ").append(outcome).append('\n'));
        }
        md.append('\n');
        synchronized (figures) {
            if (!figures.isEmpty()) {
                md.append("| figure | value |\n|---|---|\n");
                figures.forEach((k, v) -> md.append("| ").append(cell(k)).append(" | ").append(cell(v)).append(" |\n"));
                md.append('\n');
            }
        }
        synchronized (blocks) {
            for (String block : blocks) {
                md.append(block).append("\n\n");
            }
        }
        return md.toString().strip() + "\n";
    }

    /** Writes {@code bench/target/faults/<TestName>.md}. */
    public Path write() {
        Path dir = FaultHarness.ROOT.resolve("bench/target/faults");
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(testClass.getSimpleName() + ".md");
            Files.writeString(file, markdown());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records each test's outcome and writes the report once the class is done. */
    public static final class Writer implements BeforeAllCallback, TestWatcher, AfterAllCallback {

        @Override
        public void beforeAll(ExtensionContext context) {
            of(context.getRequiredTestClass());
        }

        @Override
        public void testSuccessful(ExtensionContext context) {
            of(context.getRequiredTestClass()).outcome(context.getDisplayName(), "passed");
        }

        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            String message = String.valueOf(cause.getMessage()).lines().limit(6).collect(Collectors.joining(" "));
            if (message.length() > 600) {
                message = message.substring(0, 600) + "…";
            }
            of(context.getRequiredTestClass()).outcome(context.getDisplayName(),
                    "FAILED: " + cause.getClass().getSimpleName() + ": " + message);
        }

        @Override
        public void testAborted(ExtensionContext context, Throwable cause) {
            of(context.getRequiredTestClass()).outcome(context.getDisplayName(), "aborted: " + cause.getMessage());
        }

        @Override
        public void testDisabled(ExtensionContext context, Optional<String> reason) {
            of(context.getRequiredTestClass()).outcome(context.getDisplayName(), "disabled: " + reason.orElse(""));
        }

        @Override
        public void afterAll(ExtensionContext context) {
            FaultReport report = of(context.getRequiredTestClass());
            context.getExecutionException().ifPresent(cause -> report.outcome("class setup or clean-up",
                    "FAILED: " + cause.getClass().getSimpleName() + ": " + String.valueOf(cause.getMessage()).lines()
                            .limit(3).collect(Collectors.joining(" "))));
            report.write();
        }
    }
}
