package io.projhub.server.definitions;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.projhub.definitions.DefinedReadModel;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel;
import io.projhub.projectors.influxdb.InfluxDefinedReadModel;
import io.projhub.projectors.influxdb.SeriesQuery;
import io.projhub.projectors.influxdb.SeriesResult;
import io.projhub.projectors.jdbc.JdbcDefinedReadModel;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import io.projhub.server.projection.ReadModels;
import io.projhub.server.queries.ConsistencyGate;
import io.projhub.server.queries.QueryParameters;
import io.projhub.server.queries.ReadModelResponses;
import io.projhub.server.web.InvalidParameterException;
import io.swagger.v3.oas.annotations.Operation;

/**
 * The store-specific queries of read models of definition files. User text is always data: a search's {@code q} is
 * a match query, filters are term or equality filters on declared fields (an undeclared one is a 400 naming it),
 * series parameters are validated names and durations.
 */
@RestController
public class DefinedQueryController {

    private static final Set<String> SEARCH_PARAMETERS = Set.of("q", "sort", "page", "size", "agg");
    private static final Set<String> ROWS_PARAMETERS = Set.of("sort", "page", "size");
    private static final Set<String> SERIES_PARAMETERS = Set.of("field", "fn", "range", "from", "to", "every",
            "groupBy");

    private final ReadModels readModels;
    private final ReadModelResponses responses;

    public DefinedQueryController(ReadModels readModels, ReadModelResponses responses) {
        this.readModels = readModels;
        this.responses = responses;
    }

    @Operation(summary = "Search an Elasticsearch read model",
            description = "q: full-text match over its text fields (data, never query syntax); <field>=value: exact "
                    + "filters on declared fields; sort=<field> or -<field>; page, size (up to 100); agg=<keyword "
                    + "field>: counts per value. Honours X-Consistency-Token.")
    @GetMapping("/api/read-models/{name}/search")
    public ResponseEntity<ElasticsearchDefinedReadModel.SearchResult> search(@PathVariable String name,
            @RequestParam Map<String, String> parameters,
            @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token) throws Exception {
        ElasticsearchDefinedReadModel model = of(name, ElasticsearchDefinedReadModel.class, "search", "elasticsearch");
        Sort sort = sort(parameters.get("sort"));
        ElasticsearchDefinedReadModel.SearchQuery query = new ElasticsearchDefinedReadModel.SearchQuery(
                parameters.get("q"), filters(parameters, SEARCH_PARAMETERS), sort.field(), sort.descending(),
                QueryParameters.boundedInt("page", parameters.get("page"), 0, 10_000, 0),
                QueryParameters.boundedInt("size", parameters.get("size"), 1, 100, 20), parameters.get("agg"));
        return responses.answer(name, token, () -> model.search(query));
    }

    @Operation(summary = "Rows of a PostgreSQL read model",
            description = "<column>=value: equality filters on declared columns; sort=<column> or -<column>; page, "
                    + "size (up to 100). Honours X-Consistency-Token.")
    @GetMapping("/api/read-models/{name}/rows")
    public ResponseEntity<JdbcDefinedReadModel.RowsResult> rows(@PathVariable String name,
            @RequestParam Map<String, String> parameters,
            @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token) throws Exception {
        JdbcDefinedReadModel model = of(name, JdbcDefinedReadModel.class, "rows", "postgres");
        Sort sort = sort(parameters.get("sort"));
        int page = QueryParameters.boundedInt("page", parameters.get("page"), 0, 10_000, 0);
        int size = QueryParameters.boundedInt("size", parameters.get("size"), 1, 100, 20);
        JdbcDefinedReadModel.RowsQuery query = new JdbcDefinedReadModel.RowsQuery(
                filters(parameters, ROWS_PARAMETERS), sort.field(), sort.descending(), page, size);
        return responses.answer(name, token, () -> model.rows(query));
    }

    @Operation(summary = "An aggregate over time of an InfluxDB read model",
            description = "field: a declared numeric field; fn: mean|sum|count|min|max; range (e.g. 1h, 7d) or from/to "
                    + "(ISO-8601); every: bucket width; groupBy: a declared tag; <tag>=value: filters.")
    @GetMapping("/api/read-models/{name}/series")
    public ResponseEntity<SeriesResult> series(@PathVariable String name, @RequestParam Map<String, String> parameters,
            @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token) throws Exception {
        InfluxDefinedReadModel model = of(name, InfluxDefinedReadModel.class, "series", "influxdb");
        String field = parameters.get("field");
        if (field == null || field.isBlank()) {
            throw new InvalidParameterException("field", "field is required: a numeric field of " + name);
        }
        String fn = parameters.getOrDefault("fn", "mean");
        Instant from = instant("from", parameters.get("from"));
        Instant to = instant("to", parameters.get("to"));
        Duration range = from == null ? duration("range", parameters.getOrDefault("range", "1h")) : null;
        Duration every = duration("every", parameters.get("every"));
        SeriesQuery query = new SeriesQuery(field, fn, range, from, to, every,
                parameters.get("groupBy"), filters(parameters, SERIES_PARAMETERS));
        return responses.answer(name, token, () -> model.series(query));
    }

    @Operation(summary = "A counter of a Redis read model (a total many streams feed)")
    @GetMapping("/api/read-models/{name}/counters/{counter}")
    public ResponseEntity<Map<String, Object>> counter(@PathVariable String name, @PathVariable String counter,
            @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token) throws Exception {
        RedisDefinedReadModel model = of(name, RedisDefinedReadModel.class, "counters", "redis");
        redisName("counter", counter);
        ResponseEntity<Optional<Number>> answer = responses.answer(name, token, () -> model.counter(counter));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("counter", counter);
        body.put("value", answer.getBody() == null ? null : answer.getBody().orElse(null));
        if (body.get("value") == null) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "The read model " + name + " has no counter "
                    + counter);
        }
        return ResponseEntity.ok().headers(answer.getHeaders()).body(body);
    }

    @Operation(summary = "A sorted set of a Redis read model, by score",
            description = "limit (1 to 1000, default 10); order=desc (default) or asc.")
    @GetMapping("/api/read-models/{name}/sorted-sets/{set}")
    public ResponseEntity<List<RedisDefinedReadModel.ScoredMember>> sortedSet(@PathVariable String name,
            @PathVariable String set, @RequestParam(required = false) String limit,
            @RequestParam(required = false) String order,
            @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token) throws Exception {
        RedisDefinedReadModel model = of(name, RedisDefinedReadModel.class, "sorted-sets", "redis");
        redisName("set", set);
        int bounded = QueryParameters.boundedInt("limit", limit, 1, 1000, 10);
        if (order != null && !order.equals("asc") && !order.equals("desc")) {
            throw new InvalidParameterException("order", "order must be asc or desc");
        }
        boolean descending = !"asc".equals(order);
        return responses.answer(name, token, () -> model.sortedSet(set, bounded, descending));
    }

    private <T> T of(String name, Class<T> type, String query, String store) {
        DefinedReadModel defined = ReadModelController.defined(readModels, name);
        if (!type.isInstance(defined)) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "The read model " + name + " is in "
                    + defined.program().definition().store().id() + "; /" + query + " is for " + store
                    + " read models");
        }
        return type.cast(defined);
    }

    private record Sort(String field, boolean descending) {
    }

    private static Sort sort(String sort) {
        if (sort == null || sort.isBlank()) {
            return new Sort(null, false);
        }
        return sort.startsWith("-") ? new Sort(sort.substring(1), true) : new Sort(sort, false);
    }

    private static Map<String, String> filters(Map<String, String> parameters, Set<String> reserved) {
        Map<String, String> filters = new LinkedHashMap<>();
        parameters.forEach((key, value) -> {
            if (!reserved.contains(key)) {
                filters.put(key, value);
            }
        });
        return filters;
    }

    /** A counter's or sorted set's name as definitions make them (never the hub's own {@code :by-stream} keys). */
    private static void redisName(String parameter, String value) {
        if (!value.matches("[A-Za-z0-9_.:@-]{1,200}") || value.endsWith(":by-stream")) {
            throw new InvalidParameterException(parameter, parameter + " must be 1 to 200 of A-Z a-z 0-9 _ . : @ -");
        }
    }

    /** InfluxDB keeps times between 1677 and 2262 (nanoseconds in a long). */
    private static final Instant EARLIEST = Instant.parse("1678-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("2262-01-01T00:00:00Z");

    private static Instant instant(String parameter, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            Instant instant = Instant.parse(value);
            if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
                throw new InvalidParameterException(parameter, parameter + " must lie between 1678 and 2262");
            }
            return instant;
        } catch (DateTimeParseException e) {
            throw new InvalidParameterException(parameter, parameter + " must be an ISO-8601 instant, e.g. "
                    + "2026-12-07T10:00:00Z");
        }
    }

    /** {@code 90s}, {@code 15m}, {@code 1h}, {@code 7d}, or ISO-8601 ({@code PT1H}). */
    static Duration duration(String parameter, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,6})([smhd])").matcher(value);
            Duration duration;
            if (m.matches()) {
                long amount = Long.parseLong(m.group(1));
                duration = switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    default -> Duration.ofDays(amount);
                };
            } else {
                duration = Duration.parse(value);
            }
            if (duration.isZero() || duration.isNegative() || duration.compareTo(Duration.ofDays(36_500)) > 0) {
                throw new InvalidParameterException(parameter, parameter + " must be positive and at most 36500d");
            }
            return duration;
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new InvalidParameterException(parameter, parameter + " must be a duration such as 90s, 15m, 1h, 7d");
        }
    }
}
