package io.projhub.server.config;

import org.springframework.context.SmartLifecycle;

/**
 * A lifecycle that starts something when the application starts and leaves its stopping to the bean's
 * {@code destroyMethod} (when the context closes, not on a pause).
 */
public final class StartedWithApplication implements SmartLifecycle {

    private final Runnable start;
    private volatile boolean running;

    public StartedWithApplication(Runnable start) {
        this.start = start;
    }

    @Override
    public void start() {
        start.run();
        running = true;
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
