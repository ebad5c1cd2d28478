package io.projhub.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The settings as application.yml gives them when no PROJHUB_* variable is set, and their checks. */
class SecurityPropertiesTest {

    private static SecurityProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("projhub.security",
                SecurityProperties.class);
    }

    @Test
    void unsetVariablesMeanNoKeysFileNoJwtAndTheDefaults() {
        SecurityProperties settings = bind(Map.of("projhub.security.api-keys-file", "",
                "projhub.security.jwt.issuer-uri", "", "projhub.security.jwt.jwk-set-uri", "",
                "projhub.security.jwt.audience", "", "projhub.security.jwt.roles-claim", ""));

        assertThat(settings.apiKeysFile()).isNull();
        assertThat(settings.jwt().enabled()).isFalse();
        assertThat(settings.jwt().rolesClaim()).isEqualTo("roles");
        assertThat(settings.jwt().principalClaim()).isEqualTo("sub");
        assertThat(settings.failedAuth().maxFailures()).isEqualTo(10);
        assertThat(settings.failedAuth().window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(settings.apiKeysCheck()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings.adminActionsRetention()).isEqualTo(Duration.ofDays(90));
    }

    @Test
    void jwtsWithoutAnAudienceAreRefusedAtStart() {
        assertThatThrownBy(() -> bind(Map.of("projhub.security.jwt.issuer-uri", "https://idp.example/realms/x")))
                .hasStackTraceContaining("audience is required");
    }
}
