package io.projhub.server.web;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.web.WebProperties;
import org.springframework.boot.webmvc.autoconfigure.error.BasicErrorController;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorViewResolver;
import org.springframework.boot.webmvc.error.ErrorAttributes;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;

/**
 * Failures that never reach a controller — a URL the security firewall rejects, a 401 from HTTP Basic, an error in
 * a filter — end at Spring Boot's {@code /error}. For API clients they get the same problem document as everything
 * else ({@link ApiExceptionHandler}); browsers keep Boot's HTML page. The servlet container's message is never
 * shown: it may describe internals.
 */
@Controller
public class ProblemErrorController extends BasicErrorController {

    public ProblemErrorController(ErrorAttributes errorAttributes, WebProperties web,
                                  ObjectProvider<ErrorViewResolver> resolvers) {
        super(errorAttributes, web.getError(), resolvers.orderedStream().toList());
    }

    @Override
    public ResponseEntity<Map<String, Object>> error(HttpServletRequest request) {
        HttpStatus status = getStatus(request);
        if (status == HttpStatus.NO_CONTENT) {
            return ResponseEntity.noContent().build();
        }
        Map<String, Object> problem = new LinkedHashMap<>();
        ProblemType type = ProblemType.forStatus(status.value()).orElse(null);
        problem.put("type", type == null ? "about:blank" : type.uri().toString());
        problem.put("title", type == null ? status.getReasonPhrase() : type.title());
        problem.put("status", status.value());
        problem.put("detail", switch (status) {
            case BAD_REQUEST -> "The request was rejected before it reached the API (for instance, a URL with "
                    + "an encoded ';', '%' or '/')";
            case UNAUTHORIZED -> "Authentication is required (an API key in X-API-Key, a bearer token, or the "
                    + "admin login) and the one given, if any, was not accepted";
            case FORBIDDEN -> "Not allowed: the caller's role does not grant this endpoint";
            case TOO_MANY_REQUESTS -> "Too many failed authentications from this address; retry after the "
                    + "Retry-After seconds";
            case NOT_FOUND -> "No such resource";
            default -> status.getReasonPhrase();
        });
        Object path = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        if (path != null) {
            problem.put("instance", path.toString());
        }
        String correlationId = CorrelationIdFilter.correlationId(request);
        if (correlationId != null) {
            problem.put("correlationId", correlationId);
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
