package org.lenet5spark.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import org.lenet5spark.errors.BadInputException;

/**
 * The project's one JSON configuration (snake_case keys, pretty printing for files, compact for
 * JSON Lines). Parsing failures become {@link BadInputException}s that name the source. A
 * non-finite double (NaN, infinity) is written as JSON {@code null}, never as a string:
 * Jackson's default would write {@code "NaN"}, which no JSON reader takes for a number.
 */
public final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
      .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, true)
      .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
      .registerModule(new SimpleModule("lenet5-non-finite-as-null")
          .addSerializer(Double.class, new NonFiniteAsNull())
          .addSerializer(Double.TYPE, new NonFiniteAsNull()));
  /**
   * The same, except that a JSON {@code null} read into a {@code double} is NaN (the value that
   * {@link NonFiniteAsNull} wrote as null) instead of an error; for the metrics files only.
   */
  private static final ObjectMapper NULL_AS_NAN = MAPPER.copy()
      .registerModule(new SimpleModule("lenet5-null-as-nan")
          .addDeserializer(Double.TYPE, new NullAsNaN()));

  /**
   * The same, except that a property missing from the document reads as null (or zero): for
   * records with optional fields, such as {@code run.json} while a run is still running.
   */
  private static final ObjectMapper MISSING_AS_NULL = MAPPER.copy()
      .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, false);

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
    return parse(MAPPER, json, type, source);
  }

  /**
   * Like {@link #parse}, but a {@code null} where a {@code double} belongs reads as NaN: for
   * records written by this class whose numbers may be undefined (per-epoch metrics).
   */
  public static <T> T parseNullAsNaN(String json, Class<T> type, String source) {
    return parse(NULL_AS_NAN, json, type, source);
  }

  /**
   * Like {@link #parse}, but a property the document does not hold reads as null: for records
   * whose later fields are written only once known ({@code run.json}).
   */
  public static <T> T parseAllowingMissing(String json, Class<T> type, String source) {
    return parse(MISSING_AS_NULL, json, type, source);
  }

  /** The JSON tree of a document; {@code source} names the input in the error message. */
  public static JsonNode tree(String json, String source) {
    try {
      JsonNode n = MAPPER.readTree(json);
      if (n == null || n.isMissingNode()) {
        throw new BadInputException(source + ": empty JSON document");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new BadInputException(source + ": invalid JSON: " + e.getOriginalMessage());
    }
  }

  private static <T> T parse(ObjectMapper mapper, String json, Class<T> type, String source) {
    try {
      T value = mapper.readValue(json, type);
      if (value == null) {
        throw new BadInputException(source + ": empty JSON document");
      }
      return value;
    } catch (JsonProcessingException e) {
      throw new BadInputException(source + ": invalid JSON: " + e.getOriginalMessage());
    }
  }

  /** Writes a double as a JSON number, or {@code null} when it is NaN or infinite. */
  private static final class NonFiniteAsNull extends JsonSerializer<Double> {
    @Override
    public void serialize(Double value, JsonGenerator gen, SerializerProvider serializers)
        throws IOException {
      if (value == null || !Double.isFinite(value)) {
        gen.writeNull();
      } else {
        gen.writeNumber(value);
      }
    }
  }

  /** Reads a JSON number into a double, and {@code null} as NaN. */
  private static final class NullAsNaN extends JsonDeserializer<Double> {
    @Override
    public Double deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      // the stock deserializer of Double: numbers, and refusal of anything else
      return ctxt.readValue(p, Double.class);
    }

    @Override
    public Double getNullValue(DeserializationContext ctxt) {
      return Double.NaN;
    }
  }
}
