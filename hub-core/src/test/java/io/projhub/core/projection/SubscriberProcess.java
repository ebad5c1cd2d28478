package io.projhub.core.projection;

import java.util.Set;

import javax.sql.DataSource;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.testsupport.TestStores;

/**
 * A hub reduced to its subscriber and one recording lane, run as its own process so a test can kill it with
 * SIGKILL. Arguments: lane name, initial txId, initial position.
 */
public final class SubscriberProcess {

    private SubscriberProcess() {
    }

    public static void main(String[] args) throws Exception {
        DataSource ds = SubscriberTestSupport.dataSource(TestStores.endpoints());
        LogPosition initial = new LogPosition(Long.parseLong(args[1]), Long.parseLong(args[2]));
        RecordingProjector projector = new RecordingProjector(args[0], ds, initial, Set.of("CrashTestEvent"));
        PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds,
                SubscriberTestSupport.eventStore(ds),
                SubscriberTestSupport.lanes(projector, LaneSettings.DEFAULTS.withBatchSize(50)));
        subscriber.start();
        System.out.println("READY");
        Thread.sleep(Long.MAX_VALUE);
    }
}
