package io.projhub.server.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import tools.jackson.databind.json.JsonMapper;

/** Registers the strict reader of request bodies; Spring Boot puts converter beans before its defaults. */
@Configuration(proxyBeanMethods = false)
public class StrictJsonConfiguration {

    @Bean
    StrictJsonHttpMessageConverter strictJsonHttpMessageConverter(JsonMapper jsonMapper) {
        return new StrictJsonHttpMessageConverter(jsonMapper);
    }
}
