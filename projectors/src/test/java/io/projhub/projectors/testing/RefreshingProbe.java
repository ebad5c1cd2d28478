package io.projhub.projectors.testing;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel;

/**
 * An Elasticsearch read model's probe that refreshes before it reads an applied version: the probe sees what the last
 * refresh made searchable, as the monitor does (its waits refresh first).
 */
public final class RefreshingProbe {

    private RefreshingProbe() {
    }

    public static ReadModelProbe of(ElasticsearchDefinedReadModel model) {
        return new ReadModelProbe() {
            @Override
            public String name() {
                return model.probe().name();
            }

            @Override
            public LogPosition checkpoint() throws Exception {
                return model.probe().checkpoint();
            }

            @Override
            public long appliedVersion(String streamId) throws Exception {
                model.refresh();
                return model.probe().appliedVersion(streamId);
            }
        };
    }
}
