package io.projhub.server.web;

/**
 * Marks a request body record that is read strictly ({@link StrictJsonHttpMessageConverter}): unknown or duplicate
 * fields, trailing data, floats or strings for integers, numbers or booleans for strings are all refused with a 400
 * naming the field, instead of being guessed at.
 */
public interface StrictRequestBody {
}
