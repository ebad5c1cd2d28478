package io.projhub.server.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;

/** The OpenAPI description's header; springdoc serves it at {@code /v3/api-docs}, Swagger UI at {@code /swagger-ui.html}. */
@Configuration(proxyBeanMethods = false)
public class ApiDocsConfiguration {

    @Bean
    OpenAPI projectionHubApi() {
        return new OpenAPI().info(new Info()
                .title("Projection Hub API")
                .version("v1")
                .description("""
                        Commands append events and answer {streamId, version, position}: position is the \
                        consistency token, to pass to a query that must read its own write. Errors are RFC 9457 \
                        problem documents (application/problem+json) naming the offending field or the business \
                        rule."""));
    }
}
