package io.projhub.server.security;

import java.security.SecureRandom;
import java.util.Base64;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Admin endpoints ({@code /api/admin/**}) need the admin user (HTTP Basic); everything else is open unless
 * {@code projhub.admin.protect-reads} is set. The API is stateless: no session, no CSRF token.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);
    public static final String ADMIN_ROLE = "ADMIN";

    @Bean
    SecurityFilterChain apiSecurity(HttpSecurity http, AdminProperties admin) throws Exception {
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(Customizer.withDefaults())
                .authorizeHttpRequests(requests -> {
                    requests.requestMatchers("/api/admin/**").hasRole(ADMIN_ROLE);
                    requests.requestMatchers("/error", "/actuator/health/**", "/actuator/health").permitAll();
                    if (admin.protectReads()) {
                        requests.anyRequest().hasRole(ADMIN_ROLE);
                    } else {
                        requests.anyRequest().permitAll();
                    }
                });
        return http.build();
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
            log.warn("event=admin-locked reason=\"projhub.admin.password is not set; admin endpoints are locked "
                    + "with a random password that is not shown. Set PROJHUB_ADMIN_PASSWORD to use them.\"");
        }
        return new InMemoryUserDetailsManager(User.withUsername(admin.user())
                .password(encoder.encode(password)).roles(ADMIN_ROLE).build());
    }
}
