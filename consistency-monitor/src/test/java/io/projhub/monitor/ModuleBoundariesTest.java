package io.projhub.monitor;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The monitor knows hub-core's interfaces only: no store client, no Spring, no projector, no server. */
@AnalyzeClasses(packages = "io.projhub.monitor", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleBoundariesTest {

    @ArchTest
    static final ArchRule noStoreClientNoSpringNoOtherModule = noClasses()
            .that().resideInAPackage("io.projhub.monitor..")
            .should().dependOnClassesThat().resideInAnyPackage("co.elastic..", "redis.clients..", "org.neo4j..",
                    "com.influxdb..", "org.springframework..", "io.projhub.projectors..", "io.projhub.server..",
                    "io.projhub.core.projection.internal..");

    @ArchTest
    static final ArchRule theApiDoesNotLeanOnItsImplementations = noClasses()
            .that().resideInAPackage("io.projhub.monitor")
            .should().dependOnClassesThat().resideInAnyPackage("io.projhub.monitor.internal..", "io.projhub.monitor.notify..");

    @ArchTest
    static final ArchRule notifiersDoNotReachIntoTheMonitor = classes()
            .that().resideInAPackage("io.projhub.monitor.notify..")
            .should().onlyDependOnClassesThat().resideOutsideOfPackage("io.projhub.monitor.internal..");
}
