package io.projhub.server.recovery;

import java.util.Optional;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.stereotype.Component;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.postgres.LogResequencing;
import io.projhub.server.projection.ReadModel;
import io.projhub.server.projection.ReadModels;

/**
 * {@code deploy/resequence-log.sh}: the recovery after the log was restored into another PostgreSQL cluster. Runs
 * instead of the hub ({@code projhub.recovery=resequence-log}, lanes and monitor off): overwrites each read model's
 * checkpoint with the one it must have after the re-sequencing, then re-sequences the log's transaction ids, then
 * exits (status 0 when done or nothing was to do).
 */
@Component
@ConditionalOnProperty(name = "projhub.recovery", havingValue = "resequence-log")
public class LogResequenceRecovery implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(LogResequenceRecovery.class);

    private final LogResequencing resequencing;
    private final ReadModels readModels;
    private final ConfigurableApplicationContext context;

    public LogResequenceRecovery(DataSource dataSource, ReadModels readModels, ConfigurableApplicationContext context) {
        this.resequencing = new LogResequencing(dataSource);
        this.readModels = readModels;
        this.context = context;
    }

    @Override
    public void run(ApplicationArguments args) throws Exception {
        int status = 0;
        try {
            Optional<String> foreign = resequencing.foreignTransactionIds();
            if (foreign.isEmpty()) {
                log.info("recovery=resequence-log event=nothing-to-do reason=\"the log's transaction ids are this cluster's\"");
            } else {
                log.warn("recovery=resequence-log event=started reason=\"{}\"", foreign.get());
                for (ReadModel model : readModels.all()) {
                    LogPosition before = model.projector().checkpoint();
                    LogPosition after = resequencing.resequencedCheckpoint(before);
                    model.projector().overwriteCheckpoint(after);
                    log.info("recovery=resequence-log event=checkpoint-rewritten read_model={} before={} after={}",
                            model.name(), before.token(), after.token());
                }
                long events = resequencing.resequence();
                log.info("recovery=resequence-log event=done events={} read_models={}", events, readModels.names());
            }
        } catch (Exception e) {
            log.error("recovery=resequence-log event=failed error=\"{}\" (safe to run again)", e.toString(), e);
            status = 1;
        }
        int exit = status;
        System.exit(SpringApplication.exit(context, () -> exit));
    }
}
