package io.projhub.projectors.elasticsearch;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import org.apache.hc.core5.util.Timeout;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.Jackson3JsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;

/** Builds the official Elasticsearch client (REST 5 transport, Jackson 3 mapper). Connects lazily. */
public final class ElasticsearchConnector {

    private ElasticsearchConnector() {
    }

    public static ElasticsearchClient connect(String url) {
        Rest5Client rest = Rest5Client.builder(URI.create(url))
                .setRequestConfigCallback(r -> r
                        .setConnectionRequestTimeout(Timeout.of(5, TimeUnit.SECONDS))
                        .setResponseTimeout(Timeout.of(30, TimeUnit.SECONDS)))
                .build();
        return new ElasticsearchClient(new Rest5ClientTransport(rest, new Jackson3JsonpMapper()));
    }
}
