package io.projhub.server.queries;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.projhub.core.domain.StreamIds;
import io.projhub.projectors.jdbc.JdbcOrderProjector;
import io.projhub.projectors.jdbc.JdbcOrderQueries;
import io.projhub.projectors.jdbc.OrderDetails;

/** Order details, assembled from the relational view. */
@RestController
@RequestMapping("/api/orders")
public class OrderQueryController {

    private final ReadModelResponses responses;
    private final ObjectProvider<JdbcOrderQueries> orders;

    /** {@code orders} is absent when the relational view is switched off ({@code projhub.stores.jdbc.enabled}). */
    public OrderQueryController(ReadModelResponses responses, ObjectProvider<JdbcOrderQueries> orders) {
        this.responses = responses;
        this.orders = orders;
    }

    @GetMapping("/{id}")
    public ResponseEntity<OrderDetails> order(@PathVariable String id,
                                              @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token)
            throws Exception {
        StreamIds.require("id", id);
        JdbcOrderQueries queries = orders.getIfAvailable();
        if (queries == null) {
            throw new ReadModelResponses.ReadModelDisabledException(JdbcOrderProjector.NAME);
        }
        ResponseEntity<OrderDetails> answer = responses.answer(JdbcOrderProjector.NAME, id, token,
                () -> queries.orderDetails(id).orElse(null));
        if (answer.getBody() == null) {
            throw new OrderNotFoundException(id, answer.getHeaders());
        }
        return answer;
    }

    /** No order with this id in the read model (yet: a token tells the query to wait for a write). */
    public static final class OrderNotFoundException extends ResponseStatusException {
        private final HttpHeaders headers;

        /** @param headers what the consistency gate saw (a 404 may be stale: the order not applied yet) */
        public OrderNotFoundException(String id, HttpHeaders headers) {
            super(HttpStatus.NOT_FOUND, "No order " + id + " in the read model");
            this.headers = HttpHeaders.readOnlyHttpHeaders(headers);
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }
    }
}
