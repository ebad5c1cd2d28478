package io.projhub.core.projection;

import java.util.Set;

/**
 * What one event changes, for a lane that writes a batch in parts at once ({@link Projector#partKeys}).
 *
 * @param written keys of what the event changes that another stream's event may change too and that the store does
 *                not merge on its own (a document, a node whose properties it sets, a row): events sharing one are
 *                always in one part, in batch order
 * @param locked  keys of what the store only locks while the event is written (a node a relationship ends at): events
 *                sharing one are put in one part where few events of the batch name it (so that parts do not wait
 *                for each other's locks, or deadlock), and spread over the parts where many do (a product in every
 *                other order would otherwise leave one part)
 */
public record PartKeys(Set<String> written, Set<String> locked) {

    public static final PartKeys NONE = new PartKeys(Set.of(), Set.of());

    public PartKeys {
        written = Set.copyOf(written);
        locked = Set.copyOf(locked);
    }

    public static PartKeys written(Set<String> keys) {
        return new PartKeys(keys, Set.of());
    }
}
