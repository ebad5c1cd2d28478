package io.projhub.server.projection;

import io.projhub.core.projection.Projector;
import io.projhub.core.projection.ReadModelProbe;

/** One switched-on read model: its projector (fed by its lane) and its probe (read by queries and the monitor). */
public record ReadModel(String name, Projector projector, ReadModelProbe probe) {

    public ReadModel {
        if (!name.equals(projector.name()) || !name.equals(probe.name())) {
            throw new IllegalArgumentException("read model " + name + ": projector and probe must carry its name");
        }
    }
}
