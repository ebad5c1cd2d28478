package io.projhub.definitions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.projhub.definitions.internal.DefinitionCompiler;

/**
 * Loads read-model definition files: each is checked against the published JSON Schema
 * ({@link #schema()}), then compiled (every CEL expression parsed and type-checked once). Every error of every file
 * is collected and reported together as {@code file:line:column: what is wrong}; nothing is loaded unless all are
 * right.
 */
public final class DefinitionLoader {

    /** Where the schema lies on the class path (and in the repository, under read-model-definitions/src/main/resources). */
    public static final String SCHEMA_RESOURCE = "/io/projhub/definitions/read-model.schema.json";

    private final DefinitionCompiler compiler = new DefinitionCompiler(schema());

    /** The JSON Schema of the format, as published at {@code GET /api/read-models/schema}. */
    public static String schema() {
        try (InputStream in = DefinitionLoader.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing " + SCHEMA_RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Loads every {@code *.yaml} / {@code *.yml} file of {@code directory} (not its sub-folders), in name order.
     * A missing folder holds no definitions.
     *
     * @throws DefinitionException with every error of every file, including two read models with one name and two
     *                             read models with one target
     */
    public List<ReadModelProgram> loadDirectory(Path directory) throws DefinitionException, IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().matches(".*\\.ya?ml"))
                    .sorted().toList();
        }
        Map<String, String> sources = new java.util.LinkedHashMap<>();
        for (Path file : files) {
            sources.put(directory.relativize(file).toString().isEmpty() ? file.toString() : file.toString(),
                    Files.readString(file, StandardCharsets.UTF_8));
        }
        return load(sources);
    }

    /**
     * Loads definitions given as text by file name (the folder's files, or a definition sent to the preview).
     *
     * @throws DefinitionException with every error found
     */
    public List<ReadModelProgram> load(Map<String, String> textByFile) throws DefinitionException {
        List<DefinitionError> errors = new ArrayList<>();
        List<ReadModelProgram> programs = new ArrayList<>();
        Map<String, DefinitionCompiler.Compiled> byName = new HashMap<>();
        Map<String, DefinitionCompiler.Compiled> byTarget = new HashMap<>();
        textByFile.forEach((file, text) -> {
            DefinitionCompiler.Compiled compiled = compiler.compile(file, text);
            errors.addAll(compiled.errors());
            if (compiled.program() == null) {
                return;
            }
            ReadModelDefinition definition = compiled.program().definition();
            DefinitionCompiler.Compiled sameName = byName.putIfAbsent(definition.name(), compiled);
            if (sameName != null) {
                errors.add(compiled.error("name", "the read model " + definition.name() + " is already defined in "
                        + sameName.program().definition().source()));
                return;
            }
            String target = definition.store().id() + ":" + definition.target().ownedName(definition.store());
            DefinitionCompiler.Compiled sameTarget = byTarget.putIfAbsent(target, compiled);
            if (sameTarget != null) {
                errors.add(compiled.error("target", "the " + definition.store().id() + " target "
                        + definition.target().ownedName(definition.store()) + " belongs to the read model "
                        + sameTarget.program().definition().name() + " (" + sameTarget.program().definition().source()
                        + ")"));
                return;
            }
            programs.add(compiled.program());
        });
        if (!errors.isEmpty()) {
            throw new DefinitionException(errors);
        }
        return List.copyOf(programs);
    }

    /** Compiles one definition (the preview's). */
    public ReadModelProgram compile(String file, String text) throws DefinitionException {
        return load(Map.of(file, text)).get(0);
    }
}
