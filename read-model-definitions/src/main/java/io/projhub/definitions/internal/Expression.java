package io.projhub.definitions.internal;

import java.util.Map;

import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import io.projhub.definitions.ChangeFailure;

/** One compiled CEL expression of a definition, with where it is written (for run-time failures). */
record Expression(String source, String where, CelType resultType, CelRuntime.Program program) {

    Object eval(Map<String, Object> variables) throws ChangeFailure {
        try {
            // read the variables where they are (eval(Map) copies the whole map for every expression)
            return program.eval(name -> java.util.Optional.ofNullable(adapted(variables.get(name))));
        } catch (CelEvaluationException | RuntimeException e) {
            throw new ChangeFailure(where + ": the expression '" + source + "' failed on " + describe(variables)
                    + ": " + e.getMessage(), e);
        }
    }

    /** CEL's integers and doubles are 64-bit: as its own map activation does, widen the narrower Java ones. */
    private static Object adapted(Object value) {
        if (value instanceof Integer i) {
            return i.longValue();
        }
        if (value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        return value;
    }

    ChangeFailure failure(Map<String, Object> variables, String problem) {
        return new ChangeFailure(where + ": the expression '" + source + "' on " + describe(variables) + ": " + problem);
    }

    boolean dynamic() {
        return resultType.kind() == CelKind.DYN || resultType.kind() == CelKind.ERROR;
    }

    private static String describe(Map<String, Object> variables) {
        return "event " + variables.get("type") + " of stream " + variables.get("streamId") + " version "
                + variables.get("version");
    }
}
