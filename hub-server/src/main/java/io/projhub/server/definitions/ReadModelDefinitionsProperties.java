package io.projhub.server.definitions;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code projhub.read-models.*}: the folder of definition files (one YAML file per read model, loaded at start and
 * on {@code POST /api/admin/read-models/reload}), how long the data of a replaced version is kept, and whether the
 * built-in order read models run ({@code false}: only the definitions' read models, for a hub that serves other
 * domains than the seed's orders).
 */
@ConfigurationProperties("projhub.read-models")
public record ReadModelDefinitionsProperties(@DefaultValue("read-models") Path dir,
                                             @DefaultValue("1h") Duration keepPrevious,
                                             @DefaultValue("true") boolean builtIn) {
}
