package io.projhub.server.health;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import com.influxdb.client.InfluxDBClient;

/** UP when InfluxDB answers /ping (works on 1.x, 2.x and 3.x, unlike /health). */
public class InfluxHealthIndicator extends AbstractHealthIndicator {

    private final InfluxDBClient client;
    private final String bucket;

    public InfluxHealthIndicator(InfluxDBClient client, String bucket) {
        super("InfluxDB health check failed");
        this.client = client;
        this.bucket = bucket;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.status(client.ping() ? "UP" : "DOWN").withDetail("bucket", bucket);
    }
}
