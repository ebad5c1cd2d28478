package io.projhub.server.config;

import org.neo4j.driver.Driver;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.influxdb.client.InfluxDBClient;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.projhub.projectors.elasticsearch.ElasticsearchConnector;
import io.projhub.projectors.influxdb.InfluxConnector;
import io.projhub.projectors.neo4j.Neo4jConnector;
import io.projhub.projectors.redis.RedisConnector;
import io.projhub.server.health.ElasticsearchHealthIndicator;
import io.projhub.server.health.InfluxHealthIndicator;
import io.projhub.server.health.Neo4jHealthIndicator;
import io.projhub.server.health.RedisHealthIndicator;
import redis.clients.jedis.JedisPooled;

/**
 * One client per switched-on store, with its health entry. Every client connects lazily, so a store that
 * is down at start shows DOWN in health instead of stopping the hub.
 */
@Configuration(proxyBeanMethods = false)
public class StoreClientsConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "projhub.stores.elasticsearch.enabled", havingValue = "true", matchIfMissing = true)
    static class ElasticsearchClientConfiguration {
        @Bean(destroyMethod = "close")
        ElasticsearchClient elasticsearchClient(StoreProperties stores) {
            return ElasticsearchConnector.connect(stores.elasticsearch().url());
        }

        @Bean
        ElasticsearchHealthIndicator elasticsearchHealthIndicator(ElasticsearchClient client) {
            return new ElasticsearchHealthIndicator(client);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "projhub.stores.redis.enabled", havingValue = "true", matchIfMissing = true)
    static class RedisClientConfiguration {
        @Bean(destroyMethod = "close")
        JedisPooled jedis(StoreProperties stores) {
            return RedisConnector.connect(stores.redis().url());
        }

        @Bean
        RedisHealthIndicator redisHealthIndicator(JedisPooled jedis) {
            return new RedisHealthIndicator(jedis);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "projhub.stores.neo4j.enabled", havingValue = "true", matchIfMissing = true)
    static class Neo4jClientConfiguration {
        @Bean(destroyMethod = "close")
        Driver neo4jDriver(StoreProperties stores) {
            StoreProperties.Neo4j neo4j = stores.neo4j();
            return Neo4jConnector.connect(neo4j.uri(), neo4j.user(), neo4j.password());
        }

        @Bean
        Neo4jHealthIndicator neo4jHealthIndicator(Driver driver) {
            return new Neo4jHealthIndicator(driver);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "projhub.stores.influxdb.enabled", havingValue = "true", matchIfMissing = true)
    static class InfluxClientConfiguration {
        @Bean(destroyMethod = "close")
        InfluxDBClient influxClient(StoreProperties stores) {
            StoreProperties.Influxdb influx = stores.influxdb();
            return InfluxConnector.connect(influx.url(), influx.token(), influx.org(), influx.bucket());
        }

        @Bean
        InfluxHealthIndicator influxdbHealthIndicator(InfluxDBClient client, StoreProperties stores) {
            return new InfluxHealthIndicator(client, stores.influxdb().bucket());
        }
    }
}
