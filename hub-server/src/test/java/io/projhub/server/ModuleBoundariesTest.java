package io.projhub.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The dependency directions of ARCHITECTURE.md: hub-core and the monitor know no store client. */
@AnalyzeClasses(packages = "io.projhub", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleBoundariesTest {

    private static final String[] STORE_CLIENTS = {
            "co.elastic..", "redis.clients..", "org.neo4j..", "com.influxdb.."};

    @ArchTest
    static final ArchRule hubCoreKnowsNoStoreClientNoSpringAndNoOtherModule = noClasses()
            .that().resideInAPackage("io.projhub.core..")
            .should().dependOnClassesThat().resideInAnyPackage(concat(STORE_CLIENTS,
                    "org.springframework..", "io.projhub.projectors..", "io.projhub.monitor..", "io.projhub.server.."));

    /** The definitions' one interpreter is store-neutral: projectors turn its changes into writes. */
    @ArchTest
    static final ArchRule definitionsKnowNoStoreClientNoSpringAndNoOtherModule = noClasses()
            .that().resideInAPackage("io.projhub.definitions..")
            .should().dependOnClassesThat().resideInAnyPackage(concat(STORE_CLIENTS,
                    "org.springframework..", "io.projhub.projectors..", "io.projhub.monitor..", "io.projhub.server.."));

    @ArchTest
    static final ArchRule monitorKnowsNoStoreClientAndNoProjector = noClasses()
            .that().resideInAPackage("io.projhub.monitor..")
            .should().dependOnClassesThat().resideInAnyPackage(concat(STORE_CLIENTS,
                    "org.springframework..", "io.projhub.projectors..", "io.projhub.server.."))
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule projectorsKnowNoMonitorAndNoServer = noClasses()
            .that().resideInAPackage("io.projhub.projectors..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.projhub.monitor..", "io.projhub.server..", "org.springframework..");

    @ArchTest
    static final ArchRule eachProjectorPackageStandsAlone = slices()
            .matching("io.projhub.projectors.(*)..")
            .should().notDependOnEachOther();

    /** The server drives hub-core through its public interfaces (ProjectionSubscriber, ...), never its internals. */
    @ArchTest
    static final ArchRule serverUsesNoInternalOfHubCore = noClasses()
            .that().resideInAPackage("io.projhub.server..")
            .should().dependOnClassesThat().resideInAPackage("io.projhub.core..internal..");

    private static String[] concat(String[] first, String... rest) {
        String[] all = new String[first.length + rest.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return all;
    }
}
