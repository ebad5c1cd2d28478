package io.projhub.server.commands;

import java.util.Arrays;
import java.util.List;

import org.springdoc.core.customizers.OperationCustomizer;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import io.projhub.core.domain.CommandContext;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.HeaderParameter;

/** Wires {@link CommandHeaders} into Spring MVC and documents those headers in the OpenAPI description. */
@Configuration(proxyBeanMethods = false)
public class CommandApiConfiguration implements WebMvcConfigurer {

    static {
        // The context comes from headers, documented below; it is not a query object.
        SpringDocUtils.getConfig().addRequestWrapperToIgnore(CommandContext.class);
    }

    private final org.springframework.beans.factory.ObjectProvider<StrongConsistency> consistency;

    public CommandApiConfiguration(org.springframework.beans.factory.ObjectProvider<StrongConsistency> consistency) {
        this.consistency = consistency;
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new CommandHeaders(consistency::getIfAvailable));
    }

    @Bean
    OperationCustomizer commandHeadersInApiDocs() {
        return (operation, handler) -> {
            boolean takesContext = Arrays.stream(handler.getMethodParameters())
                    .anyMatch(p -> p.getParameterType() == CommandContext.class);
            if (takesContext) {
                operation.addParametersItem(header(CommandHeaders.IDEMPOTENCY_KEY,
                        "Makes a retry return the first answer and append nothing (1-200 visible ASCII characters)"));
                operation.addParametersItem(header(CommandHeaders.CORRELATION_ID,
                        "Stored in the events' metadata and echoed; generated if absent"));
                operation.addParametersItem(header(CommandHeaders.CAUSATION_ID,
                        "Id of the message that caused this command; stored in the events' metadata"));
                operation.addParametersItem(header(StrongConsistency.LEVEL_HEADER,
                        "eventual (default: answer at once with the token), causal (the same; pass the highest token "
                                + "you have seen to every query) or strong (answer once every read model that handles "
                                + "the events has applied them and made them visible; else 202 with X-Consistency: "
                                + "stale after projhub.commands.strong-wait)"));
                operation.addParametersItem(header(StrongConsistency.READ_MODELS_HEADER,
                        "With strong: wait only for these read models (comma-separated names)"));
            }
            return operation;
        };
    }

    private static HeaderParameter header(String name, String description) {
        HeaderParameter parameter = new HeaderParameter();
        parameter.setName(name);
        parameter.setDescription(description);
        parameter.setRequired(false);
        parameter.setSchema(new StringSchema().maxLength(200));
        return parameter;
    }
}
