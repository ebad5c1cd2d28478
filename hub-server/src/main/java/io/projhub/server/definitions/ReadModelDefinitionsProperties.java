package io.projhub.server.definitions;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code projhub.read-models.*}: the folder of definition files (one YAML file per read model, loaded at start and
 * on {@code POST /api/admin/read-models/reload}) and how long the data of a replaced version is kept.
 */
@ConfigurationProperties("projhub.read-models")
public record ReadModelDefinitionsProperties(@DefaultValue("read-models") Path dir,
                                             @DefaultValue("1h") Duration keepPrevious) {
}
