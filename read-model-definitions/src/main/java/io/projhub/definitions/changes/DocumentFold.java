package io.projhub.definitions.changes;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies field changes to a document held in memory: how a store without server-side increments (Elasticsearch)
 * computes the new document, and how the preview (and the drift audit, to come) computes what a store should hold. The input is
 * never modified.
 */
public final class DocumentFold {

    private DocumentFold() {
    }

    /** The document after {@code ops}; {@code document} may be empty (a new document). */
    public static Map<String, Object> apply(Map<String, Object> document, List<FieldOp> ops) {
        Map<String, Object> result = new LinkedHashMap<>(document);
        for (FieldOp op : ops) {
            if (op instanceof FieldOp.Set set) {
                result.put(set.field(), set.value());
            } else if (op instanceof FieldOp.Unset unset) {
                result.remove(unset.field());
            } else if (op instanceof FieldOp.Increment increment) {
                result.put(increment.field(), add(result.get(increment.field()), increment.delta()));
            } else if (op instanceof FieldOp.AddToSet add) {
                List<Object> values = list(result.get(add.field()));
                if (!values.contains(add.value())) {
                    values.add(add.value());
                }
                result.put(add.field(), values);
            } else if (op instanceof FieldOp.Remove remove) {
                List<Object> values = list(result.get(remove.field()));
                values.removeIf(remove.value()::equals);
                result.put(remove.field(), values);
            } else if (op instanceof FieldOp.Append append) {
                List<Object> values = list(result.get(append.field()));
                values.add(append.value());
                result.put(append.field(), values);
            }
        }
        return result;
    }

    /** {@code current + delta} in the delta's type; a missing current value counts as zero. */
    public static Number add(Object current, Number delta) {
        if (delta instanceof BigDecimal decimal) {
            BigDecimal base = current == null ? BigDecimal.ZERO.setScale(decimal.scale())
                    : current instanceof BigDecimal d ? d : new BigDecimal(current.toString());
            return base.add(decimal);
        }
        if (delta instanceof Double d) {
            return (current == null ? 0.0 : ((Number) current).doubleValue()) + d;
        }
        long base = current == null ? 0L : ((Number) current).longValue();
        return Math.addExact(base, delta.longValue());
    }

    private static List<Object> list(Object current) {
        return current instanceof List<?> values ? new ArrayList<>(values) : new ArrayList<>();
    }
}
