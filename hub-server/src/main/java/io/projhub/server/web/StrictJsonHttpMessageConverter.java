package io.projhub.server.web;

import java.util.List;

import org.springframework.core.ResolvableType;
import org.springframework.http.MediaType;
import org.springframework.http.converter.AbstractJacksonHttpMessageConverter;

import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * Reads {@link StrictRequestBody} records, and nothing else, with a strict copy of the application's JSON mapper;
 * it writes nothing. Money ({@code BigDecimal}) is read from a JSON number or a numeric string, never rounded;
 * integers only from JSON integers; strings PostgreSQL cannot store faithfully (U+0000, unpaired surrogates) are
 * refused.
 *
 * <p>It extends {@link AbstractJacksonHttpMessageConverter} rather than the JSON converter itself, whose presence as
 * a bean would switch off Spring Boot's default one.
 */
public final class StrictJsonHttpMessageConverter extends AbstractJacksonHttpMessageConverter<JsonMapper> {

    public StrictJsonHttpMessageConverter(JsonMapper applicationMapper) {
        super(strict(applicationMapper), MediaType.APPLICATION_JSON, new MediaType("application", "*+json"));
    }

    static JsonMapper strict(JsonMapper base) {
        return base.rebuild()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .withCoercionConfig(LogicalType.Integer, c -> c
                        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Float, c -> c
                        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Textual, c -> c
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Boolean, c -> c
                        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
                .addModule(new SimpleModule("storable-strings").addDeserializer(String.class,
                        new StorableStringDeserializer()))
                .build();
    }

    @Override
    public boolean canRead(ResolvableType type, MediaType mediaType) {
        return StrictRequestBody.class.isAssignableFrom(type.toClass()) && super.canRead(type, mediaType);
    }

    @Override
    public boolean canWrite(ResolvableType type, Class<?> valueClass, MediaType mediaType) {
        return false;
    }

    @Override
    public List<MediaType> getSupportedMediaTypes(Class<?> clazz) {
        return StrictRequestBody.class.isAssignableFrom(clazz) ? super.getSupportedMediaTypes(clazz) : List.of();
    }
}
