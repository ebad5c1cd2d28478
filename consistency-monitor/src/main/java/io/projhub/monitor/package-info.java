/**
 * The consistency monitor: lag per read model, verification of tracked writes with backoff and re-drive, alerts
 * with a lifecycle in PostgreSQL, and notifiers fed from an outbox. This package holds the contract (interfaces,
 * records, enums); {@code internal} the PostgreSQL implementation; {@code notify} the shipped notifiers.
 *
 * <p>Wiring (what hub-server does; Spring stays outside this module):
 * <pre>{@code
 * List<Notifier> notifiers = Notifiers.create(notifierSettings);          // log, webhook, alertmanager, pagerduty, slack
 * ConsistencyMonitor monitor = new PostgresConsistencyMonitor(dataSource, eventStore,
 *         List.of(new MonitoredReadModel("elasticsearch", esProbe, esProjector.eventTypes()), ...),
 *         subscriber::status, subscriber::redrive, notifiers, MonitorSettings.DEFAULTS, meterRegistry,
 *         MonitorListener.NONE);
 * monitor.start();                                     // after the subscriber; close() before it
 * AppendResult result = commands.handle(...);
 * monitor.track(result, eventTypesOf(result));         // after every successful append
 * }</pre>
 * The tables come from {@code db/migration/V30__alerts.sql}, run by {@code EventStoreMigrations.migrate} or Boot's
 * Flyway with the other migrations.
 */
package io.projhub.monitor;
