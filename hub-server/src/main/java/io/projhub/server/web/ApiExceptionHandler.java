package io.projhub.server.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.validation.FieldError;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.ServletRequestBindingException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

import io.projhub.core.error.BusinessRuleViolation;
import io.projhub.core.error.ConcurrencyConflictException;
import io.projhub.core.error.IdempotencyKeyReusedException;
import io.projhub.core.error.InvalidCommandException;
import io.projhub.core.error.StreamNotFoundException;
import io.projhub.core.eventstore.EventStoreException;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.monitor.AlertStoreException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * The one place the API turns failures into RFC 9457 problem documents ({@code application/problem+json}). Each
 * document has {@code type} ({@link ProblemType}), {@code title}, {@code status}, {@code detail}, {@code instance}
 * and the request's {@code correlationId}; a 400 names the offending {@code field} (a body path such as
 * {@code items[1].price}, or a parameter or header name) and lists {@code errors}; a 422 names the {@code rule}.
 * No document carries a stack trace, an SQL text or a Java class name.
 */
@RestControllerAdvice
public class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);
    private static final String BODY = "body";

    // ---------------------------------------------------------------- the domain's refusals

    @ExceptionHandler(InvalidCommandException.class)
    ResponseEntity<Object> invalidCommand(InvalidCommandException e, WebRequest request) {
        return invalid(e, e.field(), e.reason(), request);
    }

    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<Object> invalidParameter(InvalidParameterException e, WebRequest request) {
        return invalid(e, e.parameter(), e.getMessage(), request);
    }

    /**
     * A query string Tomcat cannot decode (a percent-encoded byte sequence that is not UTF-8, such as {@code %FF%FE}):
     * the client's mistake, so a 400 naming the parameter, not a 500.
     */
    @ExceptionHandler(org.apache.tomcat.util.http.InvalidParameterException.class)
    ResponseEntity<Object> undecodableParameter(org.apache.tomcat.util.http.InvalidParameterException e,
                                                WebRequest request) {
        java.util.regex.Matcher name = UNDECODABLE_PARAMETER.matcher(String.valueOf(e.getMessage()));
        String field = name.find() ? name.group(1) : "query";
        return invalid(e, field, "is not valid percent-encoded UTF-8", request);
    }

    /** Tomcat names the parameter it could not decode like this; a name that is not plain is not repeated. */
    private static final java.util.regex.Pattern UNDECODABLE_PARAMETER =
            java.util.regex.Pattern.compile("Parameter \\[([A-Za-z0-9_.-]{1,64})\\]");

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Object> illegalArgument(IllegalArgumentException e, WebRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                e.getMessage() == null ? "The request is not valid" : e.getMessage());
        problem.setProperty("errors", List.of(new FieldProblem(null, problem.getDetail())));
        return handleExceptionInternal(e, problem, new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
    }

    @ExceptionHandler(BusinessRuleViolation.class)
    ResponseEntity<Object> businessRule(BusinessRuleViolation e, WebRequest request) {
        return rule(e, e.rule(), e.getMessage(), null, request);
    }

    @ExceptionHandler(IdempotencyKeyReusedException.class)
    ResponseEntity<Object> idempotencyKeyReused(IdempotencyKeyReusedException e, WebRequest request) {
        return rule(e, "idempotency-key-reused",
                "This Idempotency-Key was already used for a different request; its first answer stands",
                "Idempotency-Key", request);
    }

    @ExceptionHandler(StreamNotFoundException.class)
    ResponseEntity<Object> streamNotFound(StreamNotFoundException e, WebRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
        problem.setProperty("streamId", e.streamId());
        return handleExceptionInternal(e, problem, new HttpHeaders(), HttpStatus.NOT_FOUND, request);
    }

    @ExceptionHandler(ConcurrencyConflictException.class)
    ResponseEntity<Object> conflict(ConcurrencyConflictException e, WebRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage()
                + "; nothing was appended. Read the stream and decide again.");
        problem.setProperty("streamId", e.streamId());
        problem.setProperty("expectedVersion", expected(e.expected()));
        problem.setProperty("actualVersion", e.actualVersion());
        return handleExceptionInternal(e, problem, new HttpHeaders(), HttpStatus.CONFLICT, request);
    }

    @ExceptionHandler({EventStoreException.class, DataAccessResourceFailureException.class,
            TransientDataAccessException.class})
    ResponseEntity<Object> storeUnavailable(RuntimeException e, WebRequest request) {
        log.warn("event=store-unavailable path={} error=\"{}\"", path(request), e.getMessage(), e);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "The event store cannot be reached. Retry later with the same Idempotency-Key: a retry with the "
                        + "same key never appends twice.");
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, "5");
        return handleExceptionInternal(e, problem, headers, HttpStatus.SERVICE_UNAVAILABLE, request);
    }

    @ExceptionHandler(AlertStoreException.class)
    ResponseEntity<Object> alertStoreUnavailable(AlertStoreException e, WebRequest request) {
        log.warn("event=alert-store-unavailable path={} error=\"{}\"", path(request), e.getMessage(), e);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "The alert store cannot be reached. Retry later.");
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, "5");
        return handleExceptionInternal(e, problem, headers, HttpStatus.SERVICE_UNAVAILABLE, request);
    }

    /** Spring Security answers these itself (401, 403); a problem document here would hide them. */
    @ExceptionHandler({AccessDeniedException.class, AuthenticationException.class})
    void securityDecides(RuntimeException e) {
        throw e;
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception e, WebRequest request) {
        log.error("event=unexpected-error path={}", path(request), e);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "The request failed unexpectedly; it has been logged with its correlation id.");
        return handleExceptionInternal(e, problem, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, request);
    }

    // ---------------------------------------------------------------- Spring MVC's refusals

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        Optional<PayloadTooLargeException> tooLarge = cause(e, PayloadTooLargeException.class);
        if (tooLarge.isPresent()) {
            long limit = tooLarge.get().limitBytes();
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE,
                    "The request body is larger than " + limit + " bytes");
            problem.setProperty("limitBytes", limit);
            return handleExceptionInternal(e, problem, headers, HttpStatus.CONTENT_TOO_LARGE, request);
        }
        Optional<JacksonException> json = cause(e, JacksonException.class);
        if (json.isEmpty()) {
            return invalid(e, BODY, e.getCause() == null ? "is required (a JSON document)" : "could not be read",
                    request);
        }
        JacksonException jackson = json.get();
        String field = fieldOf(jackson);
        return invalid(e, field.isEmpty() ? BODY : field, reason(jackson), request);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException e, HttpHeaders headers,
                                                        HttpStatusCode status, WebRequest request) {
        String name = e.getPropertyName() == null ? "parameter" : e.getPropertyName();
        return invalid(e, name, "must be " + describe(e.getRequiredType()), request);
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestParameter(MissingServletRequestParameterException e,
                                                                          HttpHeaders headers, HttpStatusCode status,
                                                                          WebRequest request) {
        return invalid(e, e.getParameterName(), "is required", request);
    }

    @Override
    protected ResponseEntity<Object> handleServletRequestBindingException(ServletRequestBindingException e,
                                                                          HttpHeaders headers, HttpStatusCode status,
                                                                          WebRequest request) {
        if (e instanceof MissingRequestHeaderException missing) {
            return invalid(e, missing.getHeaderName(), "is required", request);
        }
        return super.handleServletRequestBindingException(e, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException e,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        List<FieldProblem> errors = new ArrayList<>();
        for (FieldError error : e.getBindingResult().getFieldErrors()) {
            errors.add(new FieldProblem(error.getField(), String.valueOf(error.getDefaultMessage())));
        }
        e.getBindingResult().getGlobalErrors().forEach(error ->
                errors.add(new FieldProblem(BODY, String.valueOf(error.getDefaultMessage()))));
        return invalid(e, errors, request);
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException e,
                                                                            HttpHeaders headers,
                                                                            HttpStatusCode status,
                                                                            WebRequest request) {
        List<FieldProblem> errors = new ArrayList<>();
        e.getParameterValidationResults().forEach(result -> {
            String name = result.getMethodParameter().getParameterName();
            result.getResolvableErrors().forEach(error -> errors.add(new FieldProblem(
                    name == null ? "parameter" : name, String.valueOf(error.getDefaultMessage()))));
        });
        if (errors.isEmpty()) {
            errors.add(new FieldProblem(BODY, "is not valid"));
        }
        return invalid(e, errors, request);
    }

    @Override
    protected ResponseEntity<Object> handleNoResourceFoundException(NoResourceFoundException e, HttpHeaders headers,
                                                                    HttpStatusCode status, WebRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
                "No endpoint " + e.getHttpMethod() + " /" + e.getResourcePath());
        return handleExceptionInternal(e, problem, headers, HttpStatus.NOT_FOUND, request);
    }

    /** Every problem passes here: it gets its type, title, instance and correlation id. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception e, Object body, HttpHeaders headers,
                                                             HttpStatusCode status, WebRequest request) {
        if (body == null) {
            body = e instanceof ErrorResponse error
                    ? error.updateAndGetBody(getMessageSource(), LocaleContextHolder.getLocale())
                    : ProblemDetail.forStatus(status);
        }
        if (body instanceof ProblemDetail problem) {
            decorate(problem, request);
        }
        if (status.is4xxClientError()) {
            log.debug("event=request-refused status={} path={} error=\"{}\"", status.value(), path(request),
                    e.getMessage());
        }
        return super.handleExceptionInternal(e, body, headers, status, request);
    }

    // ---------------------------------------------------------------- building documents

    /** One entry of a 400's {@code errors}; {@code field} is left out when no single field is to blame. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FieldProblem(String field, String detail) {
    }

    private ResponseEntity<Object> invalid(Exception e, String field, String reason, WebRequest request) {
        return invalid(e, List.of(new FieldProblem(field, reason)), request);
    }

    private ResponseEntity<Object> invalid(Exception e, List<FieldProblem> errors, WebRequest request) {
        FieldProblem first = errors.get(0);
        // A reason that already names its field ("limit must be ...") is not prefixed with it again.
        String firstDetail = first.detail().startsWith(first.field()) ? first.detail()
                : first.field() + ": " + first.detail();
        String detail = errors.size() == 1 ? firstDetail
                : errors.size() + " fields are not valid, the first: " + firstDetail;
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        problem.setProperty("field", first.field());
        problem.setProperty("errors", errors);
        return handleExceptionInternal(e, problem, new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
    }

    private ResponseEntity<Object> rule(Exception e, String rule, String detail, String field, WebRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_CONTENT, detail);
        problem.setType(ProblemType.BUSINESS_RULE_VIOLATED.uri());
        problem.setTitle(ProblemType.BUSINESS_RULE_VIOLATED.title());
        problem.setProperty("rule", rule);
        if (field != null) {
            problem.setProperty("field", field);
        }
        return handleExceptionInternal(e, problem, new HttpHeaders(), HttpStatus.UNPROCESSABLE_CONTENT, request);
    }

    private void decorate(ProblemDetail problem, WebRequest request) {
        if (problem.getType() == null || "about:blank".equals(problem.getType().toString())) {
            ProblemType.forStatus(problem.getStatus()).ifPresent(type -> {
                problem.setType(type.uri());
                problem.setTitle(type.title());
            });
        }
        if (request instanceof ServletWebRequest servlet) {
            HttpServletRequest http = servlet.getRequest();
            if (problem.getInstance() == null) {
                try {
                    problem.setInstance(new URI(http.getRequestURI()));
                } catch (URISyntaxException ignored) {
                    // A path Tomcat let through but java.net.URI does not parse: the document goes without it.
                }
            }
            String correlationId = CorrelationIdFilter.correlationId(http);
            if (correlationId != null) {
                problem.setProperty("correlationId", correlationId);
            }
        }
    }

    private static Object expected(ExpectedVersion expected) {
        if (expected instanceof ExpectedVersion.Exact exact) {
            return exact.version();
        }
        return expected instanceof ExpectedVersion.NoStream ? 0L : "any";
    }

    private static String path(WebRequest request) {
        return request instanceof ServletWebRequest servlet ? servlet.getRequest().getRequestURI() : "?";
    }

    private static <T extends Throwable> Optional<T> cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return Optional.of(type.cast(t));
            }
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- what Jackson could not read

    /** The JSON path of the failure as the client wrote it, e.g. {@code items[1].price}; empty for the whole body. */
    static String fieldOf(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        String bound = path.toString();
        boolean truncated = e instanceof UnexpectedEndOfInputException
                || String.valueOf(e.getOriginalMessage()).startsWith("Unexpected end-of-input");
        if (e instanceof StreamReadException && !truncated && e.processor() instanceof JsonParser parser) {
            // A syntax or size error: the parser knows the property it stopped in, which binding may not have
            // reached; but not a path hundreds of levels deep (a nesting limit), then the bound part says enough.
            String parsed = contextPath(parser.streamReadContext());
            if (!parsed.isEmpty() && parsed.startsWith(bound) && segments(parsed) <= Math.max(segments(bound) + 1, 4)) {
                return parsed;
            }
        }
        return bound;
    }

    private static long segments(String path) {
        return path.isEmpty() ? 0 : 1 + path.chars().filter(c -> c == '.' || c == '[').count();
    }

    private static String contextPath(TokenStreamContext context) {
        List<String> segments = new ArrayList<>();
        for (TokenStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                segments.add(0, "[" + Math.max(c.getCurrentIndex(), 0) + "]");
            } else if (c.currentName() != null) {
                segments.add(0, "." + c.currentName());
            }
        }
        String path = String.join("", segments);
        return path.startsWith(".") ? path.substring(1) : path;
    }

    private static String reason(JacksonException e) {
        if (e instanceof UnstorableStringException) {
            return "must not contain U+0000 or an unpaired surrogate";
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            Collection<Object> known = unknown.getKnownPropertyIds();
            return "is not a known field" + (known == null || known.isEmpty() ? "" : "; known fields: "
                    + String.join(", ", known.stream().map(String::valueOf).sorted().toList()));
        }
        if (e instanceof InputCoercionException coercion) {
            return "is out of range for " + describe(coercion.getTargetType());
        }
        if (e instanceof StreamConstraintsException) {
            // "... exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNumberLength()`)"
            return "exceeds a limit of the JSON reader: "
                    + String.valueOf(e.getOriginalMessage()).replaceAll(", from `[^`]*`", "");
        }
        if (e instanceof MismatchedInputException mismatch) {
            String message = String.valueOf(mismatch.getOriginalMessage());
            if (message.startsWith("Trailing token")) {
                return "has more data after the JSON document";
            }
            if (message.startsWith("No content to map")) {
                return "is required (a JSON document)";
            }
            return "must be " + describe(mismatch.getTargetType());
        }
        if (e instanceof StreamReadException) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            return "is not valid JSON: " + e.getOriginalMessage() + where;
        }
        return "could not be read";
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class || type == java.math.BigInteger.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type == String.class || type == java.time.Instant.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        if (JsonNode.class.isAssignableFrom(type)) {
            return "JSON";
        }
        return "a JSON object";
    }
}
