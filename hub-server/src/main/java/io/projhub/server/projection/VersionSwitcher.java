package io.projhub.server.projection;

import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.projhub.core.projection.ProjectionSubscriber;
import io.projhub.server.definitions.ReadModelDefinitions;

/** Every second, switches the read models whose new version has caught up with the live one. */
final class VersionSwitcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(VersionSwitcher.class);

    private final ReadModelDefinitions definitions;
    private final ProjectionSubscriber subscriber;
    private ScheduledExecutorService timer;

    VersionSwitcher(ReadModelDefinitions definitions, ProjectionSubscriber subscriber) {
        this.definitions = definitions;
        this.subscriber = subscriber;
    }

    @Override
    public synchronized void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "read-model-version-switcher");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                definitions.switchCaughtUp(subscriber.status(), Instant.now());
            } catch (RuntimeException e) {
                log.warn("event=version-switch-failed error=\"{}\"", e.toString());
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public synchronized void stop() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return timer != null;
    }

    /** After the subscriber has started, before it stops. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 1024;
    }
}
