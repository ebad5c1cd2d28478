package io.projhub.core.projection.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.PartKeys;

/**
 * Splits a batch into parts that can be written at the same time: events that share a stream, or a key that
 * {@link io.projhub.core.projection.Projector#partKeys} names as written, end up in one part (union-find over the
 * batch), and each part keeps the batch's order. A key named as only locked joins its events too when at most
 * {@value #LOCKED_GROUP_LIMIT} events of the batch name it: a customer's few orders go together, so two parts do not
 * queue for (or deadlock on) its node, while a product in every other order stays shared. Whole groups are dealt to
 * the least loaded part, largest first, so the parts are as even as the groups allow. Only the batch at hand is split: nothing is remembered between batches, since a
 * lane writes a batch's parts and its checkpoint before it reads the next one.
 */
final class BatchParts {

    static final int LOCKED_GROUP_LIMIT = 8;

    private BatchParts() {
    }

    /**
     * @return the parts (at most {@code parts}, none empty), or an empty list when the batch cannot be split: the
     *         projector names no keys for one of its events (null), or it forms a single group
     */
    static List<List<RecordedEvent>> split(List<RecordedEvent> events, Function<RecordedEvent, PartKeys> keys,
                                           int parts) {
        if (parts < 2 || events.size() < 2) {
            return List.of();
        }
        PartKeys[] named = new PartKeys[events.size()];
        Map<String, Integer> lockedBy = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            try {
                named[i] = keys.apply(events.get(i));
            } catch (RuntimeException e) {
                named[i] = null;
            }
            if (named[i] == null) {
                return List.of();
            }
            for (String key : named[i].locked()) {
                lockedBy.merge(key, 1, Integer::sum);
            }
        }
        UnionFind groups = new UnionFind(events.size() * 2);
        int[] groupOf = new int[events.size()];
        for (int i = 0; i < events.size(); i++) {
            int stream = groups.id(events.get(i).streamId());
            for (String key : named[i].written()) {
                groups.union(stream, groups.id(key));
            }
            for (String key : named[i].locked()) {
                if (lockedBy.get(key) <= LOCKED_GROUP_LIMIT) {
                    groups.union(stream, groups.id(key));
                }
            }
            groupOf[i] = stream;
        }
        Map<Integer, Integer> sizes = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            groupOf[i] = groups.find(groupOf[i]);
            sizes.merge(groupOf[i], 1, Integer::sum);
        }
        if (sizes.size() < 2) {
            return List.of();
        }
        List<Map.Entry<Integer, Integer>> largestFirst = new ArrayList<>(sizes.entrySet());
        largestFirst.sort((a, b) -> Integer.compare(b.getValue(), a.getValue()));
        int count = Math.min(parts, sizes.size());
        long[] load = new long[count];
        Map<Integer, Integer> partOf = new HashMap<>();
        for (Map.Entry<Integer, Integer> group : largestFirst) {
            int least = 0;
            for (int p = 1; p < count; p++) {
                if (load[p] < load[least]) {
                    least = p;
                }
            }
            load[least] += group.getValue();
            partOf.put(group.getKey(), least);
        }
        List<List<RecordedEvent>> split = new ArrayList<>(count);
        for (int p = 0; p < count; p++) {
            split.add(new ArrayList<>((int) load[p]));
        }
        for (int i = 0; i < events.size(); i++) {
            split.get(partOf.get(groupOf[i])).add(events.get(i));
        }
        return split;
    }

    /** Disjoint sets of strings (streams and keys share one space: a key equal to a stream id only joins more). */
    private static final class UnionFind {
        private final Map<String, Integer> ids = new HashMap<>();
        private int[] parent;

        UnionFind(int capacity) {
            parent = new int[Math.max(capacity, 16)];
        }

        int id(String name) {
            Integer known = ids.get(name);
            if (known != null) {
                return known;
            }
            int id = ids.size();
            if (id == parent.length) {
                parent = Arrays.copyOf(parent, id * 2);
            }
            parent[id] = id;
            ids.put(name, id);
            return id;
        }

        int find(int x) {
            while (parent[x] != x) {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            return x;
        }

        void union(int a, int b) {
            int ra = find(a);
            int rb = find(b);
            if (ra != rb) {
                parent[Math.max(ra, rb)] = Math.min(ra, rb);
            }
        }
    }
}
