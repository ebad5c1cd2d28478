package io.projhub.testsupport;

/**
 * Where the five real stores of a test run listen. Tests never assume a store: they receive this.
 */
public record StoreEndpoints(
        String postgresUrl, String postgresUser, String postgresPassword,
        String redisUrl,
        String elasticsearchUrl,
        String neo4jUri, String neo4jUser, String neo4jPassword,
        String influxUrl, String influxOrg, String influxBucket, String influxToken,
        String source) {

    @Override
    public String toString() {
        // Never print credentials.
        return "StoreEndpoints[source=" + source + ", postgres=" + postgresUrl + ", redis=" + redisUrl
                + ", elasticsearch=" + elasticsearchUrl + ", neo4j=" + neo4jUri + ", influx=" + influxUrl
                + ", bucket=" + influxBucket + "]";
    }
}
