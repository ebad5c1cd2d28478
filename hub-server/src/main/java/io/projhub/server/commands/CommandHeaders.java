package io.projhub.server.commands;

import java.util.UUID;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

import io.projhub.core.domain.CommandContext;
import io.projhub.server.security.Callers;
import io.projhub.server.web.CorrelationIdFilter;
import io.projhub.server.web.HeaderValues;

/**
 * Resolves a {@link CommandContext} handler parameter from the request headers: {@code Idempotency-Key},
 * {@code X-Correlation-Id} (else the id {@link CorrelationIdFilter} generated) and {@code X-Causation-Id}, with the
 * authenticated caller ({@link Callers}) as the events' {@code principal}.
 * A malformed header is a 400 naming it. It also checks the command's consistency headers
 * ({@link StrongConsistency}) before the command runs, so a bad one appends nothing.
 */
final class CommandHeaders implements HandlerMethodArgumentResolver {

    private final java.util.function.Supplier<StrongConsistency> consistency;

    CommandHeaders(java.util.function.Supplier<StrongConsistency> consistency) {
        this.consistency = consistency;
    }

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String CORRELATION_ID = CorrelationIdFilter.HEADER;
    static final String CAUSATION_ID = "X-Causation-Id";

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == CommandContext.class;
    }

    @Override
    public CommandContext resolveArgument(MethodParameter parameter, ModelAndViewContainer mavContainer,
                                          NativeWebRequest webRequest, WebDataBinderFactory binderFactory) {
        HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
        StrongConsistency strong = consistency.get();
        if (strong != null) {
            strong.choose(request);
        }
        String idempotencyKey = HeaderValues.optional(IDEMPOTENCY_KEY, request.getHeader(IDEMPOTENCY_KEY));
        String causationId = HeaderValues.optional(CAUSATION_ID, request.getHeader(CAUSATION_ID));
        String correlationId = HeaderValues.optional(CORRELATION_ID, request.getHeader(CORRELATION_ID));
        if (correlationId == null) {
            correlationId = CorrelationIdFilter.correlationId(request);
        }
        if (correlationId == null) {
            correlationId = UUID.randomUUID().toString();
        }
        return new CommandContext(correlationId, causationId, idempotencyKey, Callers.current());
    }
}
