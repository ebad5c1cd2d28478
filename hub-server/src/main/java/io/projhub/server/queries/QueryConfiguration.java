package io.projhub.server.queries;

import java.time.Duration;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.server.projection.ReadModels;

@Configuration(proxyBeanMethods = false)
public class QueryConfiguration {

    @Bean
    ConsistencyGate consistencyGate(@Value("${projhub.queries.consistency-wait:2s}") Duration maxWait) {
        return new ConsistencyGate(maxWait);
    }

    @Bean
    ReadModelResponses readModelResponses(ReadModels readModels, ConsistencyGate gate,
                                          PollingProjectionSubscriber subscriber) {
        return new ReadModelResponses(readModels, gate, subscriber);
    }
}
