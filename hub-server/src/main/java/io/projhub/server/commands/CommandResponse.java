package io.projhub.server.commands;

import java.net.URI;

import org.springframework.http.ResponseEntity;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import io.projhub.core.eventstore.AppendResult;

/**
 * What every command answers: the stream it wrote, the stream's version after it, and {@code position}, the
 * consistency token (opaque; pass it to a query to read your own write).
 */
public record CommandResponse(String streamId, long version, String position) {

    public static CommandResponse of(AppendResult result) {
        return new CommandResponse(result.streamId(), result.newVersion(), result.position().token());
    }

    /** 201 with a {@code Location} made of {@code pathTemplate} and the stream id. */
    static ResponseEntity<CommandResponse> created(AppendResult result, String pathTemplate) {
        URI location = ServletUriComponentsBuilder.fromCurrentContextPath().path(pathTemplate)
                .buildAndExpand(result.streamId()).toUri();
        return ResponseEntity.created(location).body(of(result));
    }
}
