package org.lenet5spark.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The project's one JSON configuration (snake_case keys, pretty printing for files, compact for
 * JSON Lines). Parsing failures become {@link BadInputException}s that name the source.
 */
public final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
      .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, true)
      .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

  private Json() {
  }

  /** The shared mapper (thread-safe once configured). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Pretty-printed JSON with a trailing newline. */
  public static String pretty(Object value) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
    }
  }

  /** One-line JSON (for JSON Lines files). */
  public static String compact(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
    }
  }

  /** Parses JSON into {@code type}; {@code source} names the input in the error message. */
  public static <T> T parse(String json, Class<T> type, String source) {
    try {
      T value = MAPPER.readValue(json, type);
      if (value == null) {
        throw new BadInputException(source + ": empty JSON document");
      }
      return value;
    } catch (JsonProcessingException e) {
      throw new BadInputException(source + ": invalid JSON: " + e.getOriginalMessage());
    }
  }
}
