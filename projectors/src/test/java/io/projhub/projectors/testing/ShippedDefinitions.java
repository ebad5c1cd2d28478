package io.projhub.projectors.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import io.projhub.definitions.DefinitionLoader;
import io.projhub.definitions.ReadModelProgram;

/** The read models of the repository's definition folder ({@code read-models/}), compiled as the hub compiles them. */
public final class ShippedDefinitions {

    private static final Path FOLDER = Path.of("..", "read-models");

    private ShippedDefinitions() {
    }

    /** The program of {@code read-models/<name>.yaml}. */
    public static ReadModelProgram program(String name) {
        Path file = FOLDER.resolve(name + ".yaml");
        try {
            return new DefinitionLoader().compile("read-models/" + name + ".yaml", Files.readString(file));
        } catch (Exception e) {
            throw new IllegalStateException("read-models/" + name + ".yaml does not compile: " + e.getMessage(), e);
        }
    }
}
