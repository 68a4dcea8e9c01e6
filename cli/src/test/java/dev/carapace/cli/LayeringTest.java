package dev.carapace.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering rules of docs/architecture.md and each {@code package-info.java}, checked on the compiled main classes
 * of every module (this is the top layer, so its test class path holds them all; {@code bench} stands apart and is
 * checked by name: a reference to a class that is not on the path still counts). An upward import fails the build.
 */
class LayeringTest {
    private static final String BASE = "dev.carapace.";
    private static final List<String> MODULES =
            List.of("crypto", "protocol", "tlog", "mls", "skills", "sandbox", "tasks", "reputation", "client", "hub",
                    "cli", "bench");

    /** The Carapace modules each module may import besides itself. */
    private static final Map<String, Set<String>> MAY_IMPORT = new LinkedHashMap<>();

    static {
        MAY_IMPORT.put("crypto", Set.of());
        MAY_IMPORT.put("protocol", Set.of("crypto"));
        MAY_IMPORT.put("tlog", Set.of("crypto"));
        MAY_IMPORT.put("mls", Set.of());
        MAY_IMPORT.put("skills", Set.of("crypto"));
        MAY_IMPORT.put("sandbox", Set.of("crypto", "skills"));
        MAY_IMPORT.put("tasks", Set.of("crypto", "skills"));
        MAY_IMPORT.put("reputation", Set.of("crypto", "skills", "tasks"));
        MAY_IMPORT.put("client", Set.of("crypto", "protocol", "tlog", "mls", "skills", "tasks", "reputation"));
        MAY_IMPORT.put("hub", Set.of("crypto", "protocol", "tlog", "mls", "skills", "tasks", "reputation"));
        MAY_IMPORT.put("cli", Set.of("crypto", "protocol", "tlog", "mls", "skills", "sandbox", "tasks", "reputation",
                "client", "hub"));
    }

    private static JavaClasses main;

    @BeforeAll
    static void importClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.carapace");
    }

    @Test
    void everyModuleUnderTestIsOnTheClassPath() {
        // A rule over no classes proves nothing: each module checked here must really have been read.
        for (String m : MAY_IMPORT.keySet()) {
            assertThat(main.stream().filter(c -> c.getPackageName().startsWith(BASE + m)).count())
                    .as("classes of module " + m).isPositive();
        }
    }

    @Test
    void eachModuleImportsOnlyLowerLayers() {
        MAY_IMPORT.forEach((module, allowed) -> {
            List<String> forbidden = new ArrayList<>();
            for (String other : MODULES) {
                if (!other.equals(module) && !allowed.contains(other)) {
                    forbidden.add(BASE + other + "..");
                }
            }
            noClasses().that().resideInAPackage(BASE + module + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(String[]::new))
                    .because("docs/architecture.md: " + module + " may import only " + allowed)
                    .check(main);
        });
    }

    @Test
    void nothingImportsTheCliOrBench() {
        for (String top : List.of("cli", "bench")) {
            noClasses().that().resideOutsideOfPackage(BASE + top + "..")
                    .should().dependOnClassesThat().resideInAPackage(BASE + top + "..")
                    .because("nothing imports " + top).check(main);
        }
    }

    @Test
    void coreLibrariesUseOnlyTheirDeclaredThirdParties() {
        // skills and sandbox package-info: "may import only crypto, (skills, Endive,) Jackson and the JDK".
        classes().that().resideInAPackage(BASE + "skills..").should().onlyDependOnClassesThat()
                .resideInAnyPackage(BASE + "skills..", BASE + "crypto..", "tools.jackson..", "java..")
                .check(main);
        classes().that().resideInAPackage(BASE + "sandbox..").should().onlyDependOnClassesThat()
                .resideInAnyPackage(BASE + "sandbox..", BASE + "crypto..", BASE + "skills..", "run.endive..",
                        "tools.jackson..", "java..", "javax..")
                .check(main);
        // reputation package-info: "may import only crypto, skills, Jackson and the JDK".
        classes().that().resideInAPackage(BASE + "reputation..").should().onlyDependOnClassesThat()
                .resideInAnyPackage(BASE + "reputation..", BASE + "crypto..", BASE + "skills..", BASE + "tasks..",
                        "tools.jackson..", "java..")
                .check(main);
        // tasks package-info: crypto, skills (skill names), Jackson and the JDK; no I/O of its own.
        classes().that().resideInAPackage(BASE + "tasks..").should().onlyDependOnClassesThat()
                .resideInAnyPackage(BASE + "tasks..", BASE + "crypto..", BASE + "skills..", "tools.jackson..",
                        "java..")
                .check(main);
        // protocol package-info: only crypto and the JDK (it is what every hub and client share, nothing more).
        classes().that().resideInAPackage(BASE + "protocol..").should().onlyDependOnClassesThat()
                .resideInAnyPackage(BASE + "protocol..", BASE + "crypto..", "java..")
                .check(main);
        // mls package-info: only the conformance harness reads JSON; the protocol engine never depends on Jackson.
        noClasses().that().resideInAPackage(BASE + "mls..").and().resideOutsideOfPackage(BASE + "mls.vectors..")
                .should().dependOnClassesThat().resideInAnyPackage("tools.jackson..", "com.fasterxml.jackson..")
                .check(main);
    }

    @Test
    void clientPackagesKeepToTheirOwnLibraries() {
        // client.chat: crypto, mls and the client; client.skills: crypto, tlog, skills and the client;
        // client.reputation: crypto, tlog (a verified checkpoint), reputation and the client.
        noClasses().that().resideInAPackage(BASE + "client.chat..").should().dependOnClassesThat()
                .resideInAnyPackage(BASE + "tlog..", BASE + "skills..", BASE + "sandbox..", BASE + "client.skills..")
                .check(main);
        noClasses().that().resideInAPackage(BASE + "client.skills..").should().dependOnClassesThat()
                .resideInAnyPackage(BASE + "mls..", BASE + "sandbox..", BASE + "client.chat..")
                .check(main);
        noClasses().that().resideInAPackage(BASE + "client.reputation..").should().dependOnClassesThat()
                .resideInAnyPackage(BASE + "mls..", BASE + "skills..", BASE + "sandbox..", BASE + "client.chat..",
                        BASE + "client.skills..")
                .check(main);
    }

    @Test
    void hubStorageAuthLogAndOwnersNeverImportTheHttpLayer() {
        noClasses().that().resideInAnyPackage(BASE + "hub.auth..", BASE + "hub.log..", BASE + "hub.owners..",
                        BASE + "hub.store..")
                .should().dependOnClassesThat().resideInAPackage(BASE + "hub.http..")
                .because("their package-info: must never import the HTTP layer").check(main);
        noClasses().that().resideInAPackage(BASE + "hub.tasks..").and()
                .haveNameMatching(".*\\.(TaskStore|JdbcTaskStore)(\\$.*)?")
                .should().dependOnClassesThat().resideInAPackage(BASE + "hub.http..")
                .because("hub.tasks package-info: the task store never imports the HTTP layer").check(main);
    }

    @Test
    void hubStoresNeverImportTheRoutesThatUseThem() {
        noClasses().that().resideInAPackage(BASE + "hub.store..")
                .should().dependOnClassesThat().resideInAnyPackage(BASE + "hub", BASE + "hub.messaging..")
                .because("hub.store's package-info: stores answer outcomes to the routes, never the reverse")
                .check(main);
    }
}
