package io.projhub.server.projection;

import io.projhub.core.projection.Projector;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.definitions.DefinedReadModel;

/**
 * One switched-on read model: its projector (fed by its lane) and its probe (read by queries and the monitor);
 * {@code defined} is the read model of the definition file it comes from (null only for a test's own read model).
 */
public record ReadModel(String name, Projector projector, ReadModelProbe probe, DefinedReadModel defined) {

    public ReadModel {
        if (!name.equals(projector.name()) || !name.equals(probe.name())) {
            throw new IllegalArgumentException("read model " + name + ": projector and probe must carry its name");
        }
    }

    public ReadModel(String name, Projector projector, ReadModelProbe probe) {
        this(name, projector, probe, null);
    }

    /** The read model of a definition file. */
    public static ReadModel of(DefinedReadModel defined) {
        return new ReadModel(defined.program().definition().name(), defined.projector(), defined.probe(), defined);
    }
}
