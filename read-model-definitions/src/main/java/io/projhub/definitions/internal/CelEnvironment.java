package io.projhub.definitions.internal;

import java.math.BigDecimal;
import java.util.List;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOptions;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelFunctionBinding;

/**
 * The CEL environment of definitions: the event's variables, the standard macros, and the few functions money
 * needs (exact decimal arithmetic on decimal strings: CEL has no decimal type, and money is never a double).
 * Nothing in it reads a clock or a random source.
 */
final class CelEnvironment {

    /** The variable a row's {@code forEach} binds each element to. */
    static final String ITEM = "item";

    /** The variable a row's {@code forEach} binds each element's position in the list to (0, 1, …). */
    static final String INDEX = "index";

    /** The variable holding the current document of the event's key (when a definition reads it). */
    static final String DOC = "doc";

    /** The variables every expression sees (and {@link #ITEM} inside a row's forEach). */
    static final java.util.Set<String> VARIABLES = java.util.Set.of("data", "metadata", "streamId", "type", "version",
            "position", "recordedAt", "doc");

    private CelEnvironment() {
    }

    static Cel build(boolean withItem) {
        var builder = CelFactory.standardCelBuilder()
                .setOptions(CelOptions.current().evaluateCanonicalTypesToNativeValues(true).build())
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addVar("data", MapType.create(SimpleType.STRING, SimpleType.DYN))
                .addVar("metadata", MapType.create(SimpleType.STRING, SimpleType.DYN))
                .addVar("streamId", SimpleType.STRING)
                .addVar("type", SimpleType.STRING)
                .addVar("version", SimpleType.INT)
                .addVar("position", SimpleType.INT)
                .addVar("recordedAt", SimpleType.TIMESTAMP)
                .addVar(DOC, MapType.create(SimpleType.STRING, SimpleType.DYN))
                .addFunctionDeclarations(
                        CelFunctionDecl.newFunctionDeclaration("decimal",
                                CelOverloadDecl.newGlobalOverload("decimal_dyn", SimpleType.STRING, SimpleType.DYN)),
                        CelFunctionDecl.newFunctionDeclaration("addDecimal",
                                CelOverloadDecl.newGlobalOverload("addDecimal_dyn_dyn", SimpleType.STRING,
                                        SimpleType.DYN, SimpleType.DYN)),
                        CelFunctionDecl.newFunctionDeclaration("subtractDecimal",
                                CelOverloadDecl.newGlobalOverload("subtractDecimal_dyn_dyn", SimpleType.STRING,
                                        SimpleType.DYN, SimpleType.DYN)),
                        CelFunctionDecl.newFunctionDeclaration("multiplyDecimal",
                                CelOverloadDecl.newGlobalOverload("multiplyDecimal_dyn_dyn", SimpleType.STRING,
                                        SimpleType.DYN, SimpleType.DYN)),
                        CelFunctionDecl.newFunctionDeclaration("sumDecimal",
                                CelOverloadDecl.newGlobalOverload("sumDecimal_list", SimpleType.STRING,
                                        ListType.create(SimpleType.DYN))))
                .addFunctionBindings(
                        CelFunctionBinding.from("decimal_dyn", Object.class, v -> Decimals.of(v).toPlainString()),
                        CelFunctionBinding.from("addDecimal_dyn_dyn", Object.class, Object.class,
                                (a, b) -> Decimals.of(a).add(Decimals.of(b)).toPlainString()),
                        CelFunctionBinding.from("subtractDecimal_dyn_dyn", Object.class, Object.class,
                                (a, b) -> Decimals.of(a).subtract(Decimals.of(b)).toPlainString()),
                        CelFunctionBinding.from("multiplyDecimal_dyn_dyn", Object.class, Object.class,
                                (a, b) -> Decimals.of(a).multiply(Decimals.of(b)).toPlainString()),
                        CelFunctionBinding.from("sumDecimal_list", List.class, list -> {
                            BigDecimal sum = BigDecimal.ZERO;
                            for (Object value : list) {
                                sum = sum.add(Decimals.of(value));
                            }
                            return sum.toPlainString();
                        }));
        if (withItem) {
            builder.addVar(ITEM, SimpleType.DYN);
            builder.addVar(INDEX, SimpleType.INT);
        }
        return builder.build();
    }
}
