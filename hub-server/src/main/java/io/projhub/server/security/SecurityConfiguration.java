package io.projhub.server.security;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.logout.LogoutFilter;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.context.SecurityContextHolderFilter;

/**
 * Who may call what ({@link EndpointRoles}) and how callers prove who they are: API keys ({@link ApiKeyFile}),
 * bearer JWTs from an identity provider ({@link IdentityProviderTokens}, when configured) and HTTP Basic for the one
 * admin user ({@code projhub.admin.*}, mapped to {@link Role#ADMIN}: the login {@code deploy/run.sh} prints and
 * existing scripts use). Failed authentication is throttled per client ({@link FailedAuthenticationThrottle});
 * admin requests are recorded ({@link AdminActionRecorder}). Stateless: no session, no CSRF token.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

    /**
     * No observation of each security filter, authentication and authorization: with them the filter chain was about
     * 40 % of an HTTP thread's CPU per command (JFR, 16 clients); the management property that turns them into no-ops
     * still leaves every filter wrapped. Requests stay observed as {@code http.server.requests}.
     */
    @Bean
    SecurityObservationSettings noSecurityObservations() {
        return SecurityObservationSettings.noObservations();
    }

    @Bean
    SecurityFilterChain apiSecurity(HttpSecurity http, SecurityProperties security, AdminActionLog actions)
            throws Exception {
        ApiAuthenticationEntryPoint entryPoint = new ApiAuthenticationEntryPoint(security.jwt().enabled());
        Optional<ApiKeyFile> keys = Optional.ofNullable(security.apiKeysFile())
                .map(file -> new ApiKeyFile(file, security.apiKeysCheck()));
        if (keys.isEmpty()) {
            log.warn("event=api-keys-off reason=\"projhub.security.api-keys-file is not set: no API key is accepted\"");
        }
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(basic -> basic.authenticationEntryPoint(entryPoint))
                .exceptionHandling(e -> e.authenticationEntryPoint(entryPoint))
                .addFilterAfter(new AdminActionRecorder(actions), SecurityContextHolderFilter.class)
                .addFilterBefore(new FailedAuthenticationThrottle(security.failedAuth()), LogoutFilter.class)
                .addFilterBefore(new ApiKeyAuthenticationFilter(keys, entryPoint), BasicAuthenticationFilter.class)
                .authorizeHttpRequests(EndpointRoles::apply);
        if (security.jwt().enabled()) {
            JwtRoles roles = new JwtRoles(security.jwt().rolesClaim(), security.jwt().principalClaim());
            http.oauth2ResourceServer(resource -> resource.authenticationEntryPoint(entryPoint)
                    .jwt(jwt -> jwt.decoder(IdentityProviderTokens.decoder(security.jwt()))
                            .jwtAuthenticationConverter(roles)));
        } else {
            log.info("event=jwt-off reason=\"neither projhub.security.jwt.issuer-uri nor jwk-set-uri is set\"");
        }
        return http.build();
    }

    /** An admin may read everything a reader may (the dashboard); a writer is nothing else. */
    @Bean
    static RoleHierarchy roleHierarchy() {
        return RoleHierarchyImpl.withDefaultRolePrefix().role(Role.ADMIN.name()).implies(Role.READER.name()).build();
    }

    @Bean
    AdminActionLog adminActionLog(DataSource dataSource, SecurityProperties security) {
        return new AdminActionLog(JdbcClient.create(dataSource), security.adminActionsRetention());
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    UserDetailsService adminUser(AdminProperties admin, PasswordEncoder encoder) {
        String password = admin.password();
        if (password.isBlank()) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            log.warn("event=admin-locked reason=\"projhub.admin.password is not set; the admin login is locked "
                    + "with a random password that is not shown. Set PROJHUB_ADMIN_PASSWORD, or use an admin API key.\"");
        }
        return new InMemoryUserDetailsManager(User.withUsername(admin.user())
                .password(encoder.encode(password)).roles(Role.ADMIN.name()).build());
    }
}
