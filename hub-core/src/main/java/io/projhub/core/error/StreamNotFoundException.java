package io.projhub.core.error;

/** The stream (or the requested version or instant of it) does not exist. */
public class StreamNotFoundException extends RuntimeException {

    private final String streamId;

    public StreamNotFoundException(String streamId) {
        this(streamId, "Stream " + streamId + " does not exist");
    }

    public StreamNotFoundException(String streamId, String message) {
        super(message);
        this.streamId = streamId;
    }

    public String streamId() {
        return streamId;
    }
}
