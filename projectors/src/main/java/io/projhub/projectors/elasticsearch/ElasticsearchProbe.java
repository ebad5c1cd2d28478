package io.projhub.projectors.elasticsearch;

import java.io.IOException;
import java.util.regex.Pattern;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.ReadModelProbe;

/** Reads the Elasticsearch read model's progress from Elasticsearch itself (real-time GETs, no refresh needed). */
public final class ElasticsearchProbe implements ReadModelProbe {

    private static final Pattern STREAM_ID = Pattern.compile(EventStore.STREAM_ID_PATTERN);

    /** Only the version is read back, not the whole order. */
    private record StreamVersion(long streamVersion) {
    }

    private final ElasticsearchClient client;
    private final ElasticsearchOrderIndex index;

    public ElasticsearchProbe(ElasticsearchClient client, String namespace) {
        this.client = client;
        this.index = new ElasticsearchOrderIndex(client, namespace);
    }

    @Override
    public String name() {
        return ElasticsearchOrderProjector.NAME;
    }

    /** The checkpoint document's position; {@link LogPosition#START} if there is none (or no index yet). */
    @Override
    public LogPosition checkpoint() throws IOException {
        try {
            GetResponse<CheckpointDocument> found = client.get(g -> g.index(index.checkpointIndex())
                    .id(ElasticsearchOrderProjector.NAME), CheckpointDocument.class);
            return found.found() && found.source() != null ? found.source().toLogPosition() : LogPosition.START;
        } catch (ElasticsearchException e) {
            if (isMissingIndex(e)) {
                return LogPosition.START;
            }
            throw e;
        }
    }

    /**
     * The higher {@code streamVersion} of the order document {@code streamId} and of its skip record, read in one
     * {@code _mget}; 0 if there is neither (or no index yet).
     */
    @Override
    public long appliedVersion(String streamId) throws IOException {
        if (streamId == null || !STREAM_ID.matcher(streamId).matches()) {
            throw new IllegalArgumentException("streamId must match " + EventStore.STREAM_ID_PATTERN);
        }
        try {
            MgetResponse<StreamVersion> found = client.mget(m -> m
                    .docs(d -> d.index(index.alias()).id(streamId)
                            .source(s -> s.filter(f -> f.includes("streamVersion"))))
                    .docs(d -> d.index(index.skippedIndex()).id(streamId)), StreamVersion.class);
            long version = 0;
            for (MultiGetResponseItem<StreamVersion> item : found.docs()) {
                if (item.isFailure()) {
                    if (!"index_not_found_exception".equals(item.failure().error().type())) {
                        throw new IOException("mget of " + streamId + " in " + item.failure().index() + " failed: "
                                + item.failure().error().reason());
                    }
                } else if (item.result().found() && item.result().source() != null) {
                    version = Math.max(version, item.result().source().streamVersion());
                }
            }
            return version;
        } catch (ElasticsearchException e) {
            if (isMissingIndex(e)) {
                return 0;
            }
            throw e;
        }
    }

    static boolean isMissingIndex(ElasticsearchException e) {
        return e.status() == 404 && e.error() != null && "index_not_found_exception".equals(e.error().type());
    }
}
