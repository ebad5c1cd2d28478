package io.projhub.core.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.projhub.core.domain.CommandContext;
import tools.jackson.databind.node.JsonNodeFactory;

/** Who appended an event goes into its metadata as {@code principal}, set by the hub and never by the client. */
class AppendedByTest {

    @Test
    void aCommandsEventsNameWhoSentIt() {
        CommandContext context = new CommandContext("corr-1", null, null, new AppendedBy("billing", "api-key"));

        var json = context.toMetadata().toJson();

        assertThat(json.path("principal").path("name").asString()).isEqualTo("billing");
        assertThat(json.path("principal").path("via").asString()).isEqualTo("api-key");
        assertThat(json.path("correlationId").asString()).isEqualTo("corr-1");
    }

    @Test
    void aPrincipalTheClientSentIsReplacedOrRemoved() {
        var forged = JsonNodeFactory.instance.objectNode().put("name", "someone-else");
        EventMetadata own = new EventMetadata(null, null, null, Map.of("principal", forged, "source", forged));

        assertThat(own.withPrincipal(new AppendedBy("svc", "jwt")).toJson().path("principal").path("name").asString())
                .isEqualTo("svc");
        assertThat(own.withPrincipal(null).toJson().has("principal")).isFalse();
        assertThat(own.withPrincipal(null).toJson().has("source")).isTrue();
    }

    @Test
    void withoutAnAppenderTheMetadataIsAsBefore() {
        assertThat(new CommandContext("c", "d", "k").toMetadata().toJson().has("principal")).isFalse();
        assertThatThrownBy(() -> new AppendedBy(" ", "api-key")).isInstanceOf(IllegalArgumentException.class);
    }
}
