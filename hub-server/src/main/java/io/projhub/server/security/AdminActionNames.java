package io.projhub.server.security;

import java.util.List;
import java.util.Map;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/** Names an admin request for people reading the log: {@code rebuild read model order-search}, not a URL. */
final class AdminActionNames {

    private record Name(String method, PathPattern pattern, String template) {
    }

    private static final List<Name> NAMES = List.of(
            name("POST", "/api/admin/read-models/reload", "reload read-model definitions"),
            name("POST", "/api/admin/read-models/preview", "preview a read-model definition"),
            name("POST", "/api/admin/read-models/{name}/rebuild", "rebuild read model {name}"),
            name("POST", "/api/admin/read-models/{name}/switch-back", "switch read model {name} back"),
            name("POST", "/api/admin/read-models/{name}/audit", "audit read model {name}"),
            name("DELETE", "/api/admin/read-models/{name}", "drop read model {name}"),
            name("POST", "/api/admin/alerts/{id}/ack", "acknowledge alert {id}"),
            name("POST", "/api/admin/dead-letters/{id}/replay", "replay dead letter {id}"),
            name("POST", "/api/admin/dead-letters/{id}/skip", "skip dead letter {id}"),
            name("POST", "/api/admin/lanes/{lane}/redrive", "re-drive lane {lane}"),
            name("GET", "/api/admin/actions", "list admin actions"));

    private AdminActionNames() {
    }

    private static Name name(String method, String pattern, String template) {
        return new Name(method, PathPatternParser.defaultInstance.parse(pattern), template);
    }

    static String of(String method, String path) {
        PathContainer container = PathContainer.parsePath(path);
        for (Name name : NAMES) {
            if (!name.method().equals(method)) {
                continue;
            }
            PathPattern.PathMatchInfo match = name.pattern().matchAndExtract(container);
            if (match != null) {
                String text = name.template();
                for (Map.Entry<String, String> variable : match.getUriVariables().entrySet()) {
                    text = text.replace("{" + variable.getKey() + "}", variable.getValue());
                }
                return text;
            }
        }
        return method + " " + path;
    }
}
