package io.projhub.monitor.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Short, one-line descriptions of failures for logs, alert details and outbox rows. */
final class Errors {

    private static final int MAX = 500;

    private Errors() {
    }

    static String describe(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        String text = cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        text = text.replace('\n', ' ').replace('\r', ' ').replace('"', '\'');
        return text.length() <= MAX ? text : text.substring(0, MAX) + "…";
    }
}
