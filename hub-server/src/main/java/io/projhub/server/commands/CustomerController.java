package io.projhub.server.commands;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.projhub.core.domain.CommandContext;
import io.projhub.core.domain.StreamIds;
import io.projhub.core.domain.customer.CustomerCommands;
import io.projhub.core.domain.customer.DeactivateCustomer;
import io.projhub.core.domain.customer.RegisterCustomer;
import io.projhub.server.web.StrictRequestBody;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

@RestController
@RequestMapping("/api/customers")
@Tag(name = "Customers", description = "Customer commands")
public class CustomerController {

    /** {@code id} may be left out for a generated {@code customer-<uuid>}. */
    public record RegisterCustomerRequest(String id, String name, String email) implements StrictRequestBody {
    }

    public record DeactivateCustomerRequest(String reason) implements StrictRequestBody {
    }

    private final CustomerCommands customers;

    public CustomerController(CustomerCommands customers) {
        this.customers = customers;
    }

    @Operation(summary = "Register a customer", description = "201 with the customer's stream; Location is its stream")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<CommandResponse> register(CommandContext context,
                                                    @RequestBody RegisterCustomerRequest body) {
        String id = body.id() == null ? null : StreamIds.require("id", body.id());
        return CommandResponse.created(customers.register(new RegisterCustomer(id, body.name(), body.email()), context),
                "/api/streams/{id}");
    }

    @Operation(summary = "Deactivate a customer", description = "The body (a reason) is optional")
    @PostMapping("/{customerId}/deactivate")
    public CommandResponse deactivate(CommandContext context, @PathVariable String customerId,
                                      @RequestBody(required = false) DeactivateCustomerRequest body) {
        String reason = body == null ? null : body.reason();
        return CommandResponse.of(customers.deactivate(new DeactivateCustomer(customerId, reason), context));
    }
}
