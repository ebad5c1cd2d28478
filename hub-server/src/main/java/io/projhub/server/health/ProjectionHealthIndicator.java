package io.projhub.server.health;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

import io.projhub.core.projection.SubscriberStatus;
import io.projhub.core.projection.ProjectionSubscriber;

/**
 * The projection as a whole: DOWN when the subscriber refused to project (e.g. the log was restored into another
 * PostgreSQL cluster), with what happened and how to recover; otherwise UP (each lane's health is on its card and in
 * {@code /api/lanes}: a store that is down is reported by its own indicator).
 */
@Component("projectionHealthIndicator")
public class ProjectionHealthIndicator extends AbstractHealthIndicator {

    private final ProjectionSubscriber subscriber;

    public ProjectionHealthIndicator(ProjectionSubscriber subscriber) {
        super("Projection health check failed");
        this.subscriber = subscriber;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        SubscriberStatus status = subscriber.status();
        if (status.refusedBecause() != null) {
            builder.down().withDetail("refusedBecause", status.refusedBecause());
        } else {
            builder.up().withDetail("lanes", status.lanes().size());
        }
    }
}
