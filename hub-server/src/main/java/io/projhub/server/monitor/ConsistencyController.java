package io.projhub.server.monitor;

import java.util.List;
import java.util.Optional;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.projhub.monitor.Alert;
import io.projhub.monitor.AlertStatus;
import io.projhub.monitor.ConsistencyMonitor;
import io.projhub.monitor.ConsistencyStatus;
import io.projhub.server.queries.QueryParameters;
import io.projhub.server.web.InvalidParameterException;

/** Consistency lag per read model and the alerts raised to on-call; acknowledging an alert is an admin action. */
@RestController
public class ConsistencyController {

    private final ObjectProvider<ConsistencyMonitor> monitor;

    public ConsistencyController(ObjectProvider<ConsistencyMonitor> monitor) {
        this.monitor = monitor;
    }

    @GetMapping("/api/consistency")
    public ConsistencyStatus consistency() {
        return monitor().status();
    }

    @GetMapping("/api/alerts")
    public List<Alert> alerts(@RequestParam(required = false) String status,
                              @RequestParam(required = false) String limit) {
        Optional<AlertStatus> wanted = Optional.empty();
        if (status != null && !status.isBlank()) {
            try {
                wanted = Optional.of(AlertStatus.valueOf(status.strip().toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new InvalidParameterException("status", "status must be FIRING or RESOLVED");
            }
        }
        int max = QueryParameters.boundedInt("limit", limit, 1, 1000, 100);
        return monitor().alerts(wanted, max);
    }

    @PostMapping("/api/admin/alerts/{id}/ack")
    public Alert acknowledge(@PathVariable long id, Authentication who) {
        return monitor().ack(id, who == null ? "admin" : who.getName())
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "No alert " + id));
    }

    private ConsistencyMonitor monitor() {
        ConsistencyMonitor current = monitor.getIfAvailable();
        if (current == null) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND,
                    "The consistency monitor is switched off in this hub (projhub.monitor.enabled)");
        }
        return current;
    }
}
