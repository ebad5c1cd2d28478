package io.projhub.server.queries;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogHead;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.projectors.elasticsearch.ElasticsearchOrderQueries;
import io.projhub.server.projection.ReadModel;
import io.projhub.server.projection.ReadModels;

@Configuration(proxyBeanMethods = false)
public class QueryConfiguration {

    @Bean(destroyMethod = "close")
    ReadModelWaits readModelWaits(ReadModels readModels, ObjectProvider<ElasticsearchOrderQueries> search,
                                  @Value("${projhub.queries.max-waiting:1000}") int maxWaiting) {
        Map<String, ReadModelProbe> probes = new LinkedHashMap<>();
        for (ReadModel model : readModels.all()) {
            probes.put(model.name(), model.probe());
        }
        Map<String, ReadModelWaits.Visibility> visibilities = new HashMap<>();
        ElasticsearchOrderQueries elasticsearch = search.getIfAvailable();
        if (elasticsearch != null) {
            visibilities.put("elasticsearch", elasticsearch::refresh);
        }
        return new ReadModelWaits(probes, visibilities, maxWaiting);
    }

    @Bean
    ConsistencyGate consistencyGate(@Value("${projhub.queries.consistency-wait:2s}") Duration maxWait,
                                    ReadModelWaits waits, PollingProjectionSubscriber subscriber,
                                    @Qualifier("eventStore") EventStore store) {
        return new ConsistencyGate(maxWait, waits, () -> subscriber.status().head(),
                () -> store.head().map(LogHead::position));
    }

    @Bean
    ReadModelResponses readModelResponses(ReadModels readModels, ConsistencyGate gate,
                                          PollingProjectionSubscriber subscriber) {
        return new ReadModelResponses(readModels, gate, subscriber);
    }
}
