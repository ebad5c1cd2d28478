package io.projhub.definitions;

/** One thing wrong in a definition file, where it is: printed {@code file:line:column: what is wrong}. */
public record DefinitionError(String file, int line, int column, String message) {

    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
