package io.projhub.projectors.influxdb;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.InfluxDBClientOptions;

/**
 * Builds the official InfluxDB client (2.x write API). Reads use InfluxQL through the same client, which
 * works on InfluxDB 1.8+, 2.x (with a DBRP mapping) and 3.x. Connects lazily.
 */
public final class InfluxConnector {

    private InfluxConnector() {
    }

    public static InfluxDBClient connect(String url, String token, String org, String bucket) {
        // A DROP MEASUREMENT of a big read model (a rebuild, a drop) takes longer than the client's default 10 s.
        okhttp3.OkHttpClient.Builder http = new okhttp3.OkHttpClient.Builder()
                .connectTimeout(5, java.util.concurrent.TimeUnit.SECONDS)
                .readTimeout(60, java.util.concurrent.TimeUnit.SECONDS)
                .writeTimeout(60, java.util.concurrent.TimeUnit.SECONDS);
        return InfluxDBClientFactory.create(InfluxDBClientOptions.builder()
                .okHttpClient(http)
                .url(url)
                .authenticateToken(token.toCharArray())
                .org(org)
                .bucket(bucket)
                .build());
    }
}
