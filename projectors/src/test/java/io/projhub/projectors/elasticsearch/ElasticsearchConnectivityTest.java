package io.projhub.projectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

@RealStores
class ElasticsearchConnectivityTest {

    @Test
    @SuppressWarnings({"rawtypes", "unchecked"})
    void aDocumentIndexedWithTheOfficialClientIsFoundBySearch(StoreEndpoints stores) throws Exception {
        ElasticsearchClient client = ElasticsearchConnector.connect(stores.elasticsearchUrl());
        String index = "projhub-connectivity-" + UUID.randomUUID();
        try {
            client.index(i -> i.index(index).id("order-1").refresh(Refresh.True)
                    .document(Map.of("customerName", "Ada Lovelace", "status", "CREATED")));

            SearchResponse<Map> found = client.search(s -> s.index(index)
                    .query(q -> q.match(m -> m.field("customerName").query("lovelace"))), Map.class);

            assertThat(found.hits().total().value()).isEqualTo(1);
            assertThat(found.hits().hits().get(0).id()).isEqualTo("order-1");
            assertThat((Map<String, Object>) found.hits().hits().get(0).source()).containsEntry("status", "CREATED");
        } finally {
            client.indices().delete(d -> d.index(index));
            client._transport().close();
        }
    }
}
