package io.projhub.projectors.elasticsearch;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;

/** What an Elasticsearch error means to a reader. */
final class ElasticsearchErrors {

    private ElasticsearchErrors() {
    }

    /** The index (or alias) does not exist: nothing has been written to it yet, or it was dropped. */
    static boolean isMissingIndex(ElasticsearchException e) {
        return e.status() == 404 && e.error() != null && "index_not_found_exception".equals(e.error().type());
    }
}
