package io.projhub.server.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * Turns a validated JWT into the caller: its roles from the configured claim — a top-level claim of that very name
 * first (names with dots, such as Auth0's {@code https://example.com/roles}), else the name as a dotted path such as
 * {@code realm_access.roles} into nested objects; a list or a space- or comma-separated string), matched to
 * {@link Role} in any case, other names ignored; its name from the principal claim ({@code sub} by default).
 */
final class JwtRoles implements Converter<Jwt, AbstractAuthenticationToken> {

    private final String rolesClaim;
    private final List<String> rolesPath;
    private final String principalClaim;

    JwtRoles(String rolesClaim, String principalClaim) {
        this.rolesClaim = rolesClaim;
        this.rolesPath = List.of(rolesClaim.split("\\."));
        this.principalClaim = principalClaim;
    }

    @Override
    public AbstractAuthenticationToken convert(Jwt jwt) {
        Set<GrantedAuthority> authorities = new LinkedHashSet<>();
        for (String name : names(claim(jwt.getClaims()))) {
            Role.named(name).ifPresent(role -> authorities.add(new SimpleGrantedAuthority(role.authority())));
        }
        String name = jwt.getClaimAsString(principalClaim);
        return new JwtAuthenticationToken(jwt, authorities, name == null || name.isBlank() ? jwt.getSubject() : name);
    }

    private Object claim(Map<String, Object> claims) {
        if (claims.containsKey(rolesClaim)) {
            return claims.get(rolesClaim);
        }
        Object value = claims;
        for (String step : rolesPath) {
            if (!(value instanceof Map<?, ?> map)) {
                return null;
            }
            value = map.get(step);
        }
        return value;
    }

    private static List<String> names(Object value) {
        List<String> names = new ArrayList<>();
        if (value instanceof String text) {
            for (String part : text.split("[\\s,]+")) {
                if (!part.isEmpty()) {
                    names.add(part);
                }
            }
        } else if (value instanceof Collection<?> list) {
            for (Object item : list) {
                if (item instanceof String text) {
                    names.add(text);
                }
            }
        }
        return names;
    }
}
