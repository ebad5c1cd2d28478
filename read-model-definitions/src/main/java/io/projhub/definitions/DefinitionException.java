package io.projhub.definitions;

import java.util.List;
import java.util.stream.Collectors;

/** Definitions that cannot be loaded: every error found, each with its file, line and column. */
public final class DefinitionException extends Exception {

    private final transient List<DefinitionError> errors;

    public DefinitionException(List<DefinitionError> errors) {
        super(errors.stream().map(DefinitionError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<DefinitionError> errors() {
        return errors;
    }
}
