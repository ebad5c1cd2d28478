package io.projhub.server.web;

/** A request parameter (query string, path or header) that is malformed or out of bounds: a 400 naming it. */
public class InvalidParameterException extends RuntimeException {

    private final String parameter;

    public InvalidParameterException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
