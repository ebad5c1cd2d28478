package io.projhub.server.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;

/**
 * The OpenAPI description's header and the credentials it accepts (Swagger UI's Authorize button asks for them);
 * springdoc serves it at {@code /v3/api-docs}, Swagger UI at {@code /swagger-ui.html}. Which role each operation
 * needs is {@code EndpointRoles}' table, described in the API's description.
 */
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
                        rule. Every operation needs a role: writer for commands and appends, reader for the other \
                        reads, admin for /api/admin/** (an admin is also a reader); 401 without credentials, 403 \
                        with a role that does not grant it."""))
                .components(new Components()
                        .addSecuritySchemes("apiKey", new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                                .in(SecurityScheme.In.HEADER).name("X-API-Key")
                                .description("An API key (phk_<id>_<secret>); deploy/api-key.sh makes one"))
                        .addSecuritySchemes("bearer", new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer").bearerFormat("JWT")
                                .description("A token of the configured identity provider"))
                        .addSecuritySchemes("adminLogin", new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("basic").description("The admin login (admin role only)")))
                .addSecurityItem(new SecurityRequirement().addList("apiKey"))
                .addSecurityItem(new SecurityRequirement().addList("bearer"))
                .addSecurityItem(new SecurityRequirement().addList("adminLogin"));
    }
}
