package io.projhub.projectors.elasticsearch;

import java.util.List;

/**
 * Items of a {@code _bulk} request failed for another reason than a version conflict. Transient if Elasticsearch
 * only lacked capacity (429, 5xx) or the alias was missing, permanent otherwise (e.g. a mapping error).
 */
public final class ElasticsearchBulkException extends Exception {

    /** One failed item: the document id, its HTTP status and Elasticsearch's error type and reason. */
    public record ItemFailure(String id, int status, String type, String reason) {
    }

    private final transient List<ItemFailure> failures;

    ElasticsearchBulkException(List<ItemFailure> failures) {
        super(failures.size() + " bulk item(s) failed, first: " + failures.get(0));
        this.failures = List.copyOf(failures);
    }

    public List<ItemFailure> failures() {
        return failures;
    }

    /** True if every failure is the cluster's (overloaded, unavailable, index or alias missing), not the data's. */
    public boolean isTransient() {
        return failures.stream().allMatch(f -> f.status() == 429 || f.status() >= 500
                || "index_not_found_exception".equals(f.type()));
    }
}
