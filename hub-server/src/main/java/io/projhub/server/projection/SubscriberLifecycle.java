package io.projhub.server.projection;

import org.springframework.context.SmartLifecycle;

import io.projhub.core.projection.ProjectionSubscriber;

/**
 * Starts the subscriber once the application context is up and stops it gracefully (each lane finishes its batch
 * in flight) before the web server and the connection pool go away.
 */
public class SubscriberLifecycle implements SmartLifecycle {

    private final ProjectionSubscriber subscriber;
    private final boolean enabled;
    private volatile boolean running;

    public SubscriberLifecycle(ProjectionSubscriber subscriber, boolean enabled) {
        this.subscriber = subscriber;
        this.enabled = enabled;
    }

    @Override
    public void start() {
        if (enabled) {
            subscriber.start();
        }
        running = true;
    }

    @Override
    public void stop() {
        subscriber.close();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Late start, early stop: after the datasource and migrations, before the web server shuts down. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 2048;
    }
}
