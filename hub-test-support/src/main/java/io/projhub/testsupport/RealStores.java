package io.projhub.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that talks to the real stores; its test methods and constructors may take a
 * {@link StoreEndpoints} parameter. If no stores can be found the tests fail with instructions.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RealStoresExtension.class)
@Tag("stores")
public @interface RealStores {
}
