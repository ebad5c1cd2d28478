package io.projhub.core.projection.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers the last version a lane passed for recently seen streams (bounded, least recently used first out)
 * and judges the next one: in order, a gap (versions missing: reported, then applied, since the log has no
 * other copy of them), or stale (not above the last: never applied out of order).
 */
final class StreamOrderGuard {

    enum Verdict { IN_ORDER, GAP, STALE }

    private final Map<String, Long> lastVersions;

    StreamOrderGuard(int capacity) {
        this.lastVersions = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > capacity;
            }
        };
    }

    Verdict check(String streamId, long version) {
        Long last = lastVersions.get(streamId);
        if (last != null && version <= last) {
            return Verdict.STALE;
        }
        return last == null || version == last + 1 ? Verdict.IN_ORDER : Verdict.GAP;
    }

    void passed(String streamId, long version) {
        lastVersions.put(streamId, version);
    }

    void forget() {
        lastVersions.clear();
    }
}
