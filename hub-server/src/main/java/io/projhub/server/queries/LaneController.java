package io.projhub.server.queries;

import io.projhub.core.projection.ProjectionSubscriber;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.projhub.core.domain.StreamIds;
import io.projhub.core.projection.DeadLetter;
import io.projhub.core.projection.DeadLetterConflictException;
import io.projhub.core.projection.SubscriberStatus;
import io.projhub.server.web.InvalidParameterException;
import io.projhub.server.web.StrictRequestBody;

/** The subscriber's lanes and dead letters; replays and re-drives are admin actions. */
@RestController
public class LaneController {

    private final ProjectionSubscriber subscriber;

    public LaneController(ProjectionSubscriber subscriber) {
        this.subscriber = subscriber;
    }

    @GetMapping("/api/lanes")
    public SubscriberStatus lanes() {
        return subscriber.status();
    }

    /**
     * Dead letters, oldest first. A chain is one stream's head ({@code PENDING}, the event that failed) and the later
     * events parked behind it ({@code PARKED}, {@code parkedBehind} = the head's id): {@code ?streamId=} shows it.
     */
    @GetMapping("/api/dead-letters")
    public List<DeadLetter> deadLetters(@RequestParam(required = false) String lane,
                                        @RequestParam(required = false) String streamId,
                                        @RequestParam(required = false) String status,
                                        @RequestParam(required = false) String limit) {
        if (status != null && !DeadLetter.isStatus(status)) {
            throw new InvalidParameterException("status", "status must be PENDING, PARKED, REPLAYED or SKIPPED");
        }
        if (streamId != null) {
            StreamIds.require("streamId", streamId);
        }
        return subscriber.deadLetters(lane, streamId, status, QueryParameters.boundedInt("limit", limit, 1, 1000, 100));
    }

    /** Replays the head of a chain, then the events parked behind it, in order. */
    @PostMapping("/api/admin/dead-letters/{id}/replay")
    public DeadLetter replay(@PathVariable long id) throws Exception {
        return await("Replay of dead letter " + id, () -> subscriber.replayDeadLetter(id));
    }

    /** Why an admin skips a dead letter; kept with it. */
    public record SkipRequest(String reason) implements StrictRequestBody {
    }

    /**
     * Skips the head of a chain (an admin decision, with a reason): its version is recorded as applied in the read
     * model's store without its effects, and the events parked behind it are applied in order.
     */
    @PostMapping("/api/admin/dead-letters/{id}/skip")
    public DeadLetter skip(@PathVariable long id, @RequestBody(required = false) SkipRequest body, Authentication who)
            throws Exception {
        String reason = body == null ? null : body.reason();
        if (reason == null || reason.isBlank() || reason.length() > 500 || reason.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidParameterException("reason", "reason must say why the event is skipped (1..500 characters, no control characters)");
        }
        String by = who == null ? "admin" : who.getName();
        return await("Skip of dead letter " + id, () -> subscriber.skipDeadLetter(id, reason.strip(), by));
    }

    private static DeadLetter await(String what, Supplier<CompletableFuture<DeadLetter>> action)
            throws Exception {
        try {
            return action.get().get(30, TimeUnit.SECONDS);
        } catch (IllegalArgumentException e) {
            throw new InvalidParameterException("id", e.getMessage());
        } catch (DeadLetterConflictException e) {
            throw new ResponseStatusException(HttpStatus.CONFLICT, e.getMessage());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DeadLetterConflictException conflict) {
                throw new ResponseStatusException(HttpStatus.CONFLICT, conflict.getMessage());
            }
            throw new ReplayFailedException(what + " failed: " + e.getCause());
        } catch (TimeoutException e) {
            throw new ReplayFailedException(what + " did not finish within 30 s");
        }
    }

    @PostMapping("/api/admin/lanes/{lane}/redrive")
    public ResponseEntity<Map<String, String>> redrive(@PathVariable String lane, @RequestParam String streamId)
            throws Exception {
        StreamIds.require("streamId", streamId);
        try {
            subscriber.redrive(lane, streamId).get(30, TimeUnit.SECONDS);
        } catch (IllegalArgumentException e) {
            throw new InvalidParameterException("lane", e.getMessage());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DeadLetterConflictException conflict) {
                throw new ResponseStatusException(HttpStatus.CONFLICT, conflict.getMessage());
            }
            throw new ReplayFailedException("Re-drive of " + streamId + " on " + lane + " failed: " + e.getCause());
        } catch (TimeoutException e) {
            throw new ReplayFailedException("Re-drive of " + streamId + " on " + lane + " did not finish within 30 s "
                    + "(the lane is busy or stopped; see /api/lanes)");
        }
        return ResponseEntity.ok(Map.of("lane", lane, "streamId", streamId, "status", "re-driven"));
    }

    /** A replay or re-drive was tried and the read model refused it (its store failed again). */
    public static final class ReplayFailedException extends ResponseStatusException {
        public ReplayFailedException(String message) {
            super(HttpStatus.SERVICE_UNAVAILABLE, message);
        }
    }
}
