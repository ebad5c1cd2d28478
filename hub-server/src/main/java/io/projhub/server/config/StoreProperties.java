package io.projhub.server.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;


/**
 * Where the read-model stores are and which are switched on ({@code projhub.stores.*}). A store switched
 * off gets no client, no health entry and (later) no lane, so a user without it still runs the rest.
 * PostgreSQL, the event store, is configured as Spring's datasource and is always on.
 */
@ConfigurationProperties("projhub.stores")
public record StoreProperties(Elasticsearch elasticsearch, Redis redis, Neo4j neo4j, Influxdb influxdb, Jdbc jdbc) {

    /** The relational view, in its own schema of the event store's PostgreSQL database. */
    public record Jdbc(@DefaultValue("true") boolean enabled, @DefaultValue("read_model") String schema) {
    }

    public record Elasticsearch(@DefaultValue("true") boolean enabled,
                                @DefaultValue("http://127.0.0.1:9200") String url) {
    }

    public record Redis(@DefaultValue("true") boolean enabled,
                        @DefaultValue("redis://127.0.0.1:6379") String url) {
    }

    public record Neo4j(@DefaultValue("true") boolean enabled,
                        @DefaultValue("bolt://127.0.0.1:7687") String uri,
                        @DefaultValue("neo4j") String user,
                        @DefaultValue("") String password) {
        @Override
        public String toString() {
            return "Neo4j[enabled=" + enabled + ", uri=" + uri + ", user=" + user + "]";
        }
    }

    public record Influxdb(@DefaultValue("true") boolean enabled,
                           @DefaultValue("http://127.0.0.1:8086") String url,
                           @DefaultValue("projhub") String org,
                           @DefaultValue("projhub") String bucket,
                           @DefaultValue("") String token) {
        @Override
        public String toString() {
            return "Influxdb[enabled=" + enabled + ", url=" + url + ", org=" + org + ", bucket=" + bucket + "]";
        }
    }
}
