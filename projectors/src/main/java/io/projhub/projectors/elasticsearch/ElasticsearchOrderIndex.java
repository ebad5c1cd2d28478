package io.projhub.projectors.elasticsearch;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;

/**
 * The names and mappings of the Elasticsearch read model: the versioned orders index behind its alias, the
 * checkpoint index and the skipped-versions index. Readers and writers of orders use only the alias, so a rebuild can
 * fill a new version and swap it. Every index is created explicitly with strict mappings, never by a first write.
 */
public final class ElasticsearchOrderIndex {

    /** Index names are lowercase; the namespace is a prefix of every name. */
    private static final Pattern NAMESPACE = Pattern.compile("|[a-z0-9][a-z0-9_-]{0,39}");

    /** The mapping version of this code: a new mapping means a new concrete index, filled by a replay. */
    static final int MAPPING_VERSION = 1;

    // Only the core of Elasticsearch is relied upon (the integ-test distribution has no mapper-extras, so no
    // scaled_float): totalAmount is a double for sorting and ranges; the exact amount stays in _source.
    private static final String ORDERS_INDEX = """
            {
              "settings": { "index": { "auto_expand_replicas": "0-1" } },
              "mappings": {
                "dynamic": "strict",
                "properties": {
                  "orderId":        { "type": "keyword" },
                  "customerId":     { "type": "keyword" },
                  "customerName":   { "type": "text", "fields": { "keyword": { "type": "keyword", "ignore_above": 256 } } },
                  "itemNames":      { "type": "text", "fields": { "keyword": { "type": "keyword", "ignore_above": 256 } } },
                  "status":         { "type": "keyword" },
                  "totalAmount":    { "type": "double" },
                  "currency":       { "type": "keyword" },
                  "createdAt":      { "type": "date" },
                  "shippedAt":      { "type": "date" },
                  "cancelledAt":    { "type": "date" },
                  "carrier":        { "type": "keyword" },
                  "trackingNumber": { "type": "keyword" },
                  "streamVersion":  { "type": "long" }
                }
              }
            }
            """;

    private static final String CHECKPOINT_INDEX = """
            {
              "settings": { "index": { "auto_expand_replicas": "0-1" } },
              "mappings": {
                "dynamic": "strict",
                "properties": {
                  "txId":     { "type": "long" },
                  "position": { "type": "long" }
                }
              }
            }
            """;

    private static final String SKIPPED_INDEX = """
            {
              "settings": { "index": { "auto_expand_replicas": "0-1" } },
              "mappings": {
                "dynamic": "strict",
                "properties": {
                  "streamVersion": { "type": "long" }
                }
              }
            }
            """;

    private final ElasticsearchClient client;
    private final String namespace;

    /**
     * @throws IllegalArgumentException ({@code namespace}) unless it is empty or up to 40 of a-z, 0-9, '_' and '-',
     *                                  starting with a letter or digit
     */
    public ElasticsearchOrderIndex(ElasticsearchClient client, String namespace) {
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("namespace must be empty or up to 40 of a-z, 0-9, '_' and '-' "
                    + "starting with a letter or digit, was '" + namespace + "'");
        }
        this.client = client;
        this.namespace = namespace;
    }

    /** The alias every read and write goes through: {@code {namespace}orders}. */
    public String alias() {
        return namespace + "orders";
    }

    /** The concrete index the alias points to when this code creates it: {@code {namespace}orders-v1}. */
    public String concreteIndex() {
        return alias() + "-v" + MAPPING_VERSION;
    }

    /** {@code {namespace}projhub-checkpoints}: one document per projector, id = the projector's name. */
    public String checkpointIndex() {
        return namespace + "projhub-checkpoints";
    }

    /**
     * {@code {namespace}projhub-skipped-versions}: per stream (id = stream id), the highest version an admin skipped,
     * as the document's external version and its {@code streamVersion}. Never searched with the orders.
     */
    public String skippedIndex() {
        return namespace + "projhub-skipped-versions";
    }

    /**
     * Creates the orders index with its alias, the checkpoint index and the skipped-versions index, unless they
     * exist. Idempotent and safe to race: "already exists" is success. An alias that already points elsewhere (e.g.
     * to a rebuilt index) is left alone.
     */
    public void ensureCreated() throws IOException {
        if (!client.indices().existsAlias(a -> a.name(alias())).value()) {
            createIfAbsent(() -> client.indices().create(c -> c
                    .withJson(new StringReader(ORDERS_INDEX))
                    .index(concreteIndex())
                    .aliases(alias(), a -> a.isWriteIndex(true))));
        }
        createIndexIfAbsent(checkpointIndex(), CHECKPOINT_INDEX);
        createIndexIfAbsent(skippedIndex(), SKIPPED_INDEX);
    }

    private void createIndexIfAbsent(String name, String definition) throws IOException {
        if (!client.indices().exists(e -> e.index(name)).value()) {
            createIfAbsent(() -> client.indices().create(c -> c.withJson(new StringReader(definition)).index(name)));
        }
    }

    /**
     * Deletes every index of this namespace's read model (orders versions, checkpoints, skipped versions); for tests
     * and resets.
     */
    public void deleteAll() throws IOException {
        // By name, not by wildcard: clusters refuse wildcard deletes unless destructive_requires_name is off.
        Set<String> indices = new TreeSet<>();
        if (client.indices().existsAlias(a -> a.name(alias())).value()) {
            indices.addAll(client.indices().getAlias(a -> a.name(alias())).aliases().keySet());
        }
        indices.add(concreteIndex());
        indices.add(checkpointIndex());
        indices.add(skippedIndex());
        client.indices().delete(d -> d.index(List.copyOf(indices)).ignoreUnavailable(true)
                .allowNoIndices(true));
    }

    private interface Creation {
        void run() throws IOException;
    }

    private static void createIfAbsent(Creation creation) throws IOException {
        try {
            creation.run();
        } catch (ElasticsearchException e) {
            if (!"resource_already_exists_exception".equals(e.error().type())) {
                throw e;
            }
        }
    }
}
