package io.projhub.server.web;

import tools.jackson.core.JsonParser;
import tools.jackson.databind.exc.MismatchedInputException;

/** A JSON string in a strict request body that could not be stored ({@link StorableJson#storable}). */
final class UnstorableStringException extends MismatchedInputException {

    UnstorableStringException(JsonParser parser) {
        super(parser, "String with U+0000 or an unpaired surrogate", String.class);
    }
}
