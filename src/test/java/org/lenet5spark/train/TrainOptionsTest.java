package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.fs.Path;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.model.LeNet5;

/**
 * The typed training options: every closed set parses its spellings in any case and nothing
 * else, the storage levels are exactly Spark's, the builder starts from the {@code DEFAULT_*}
 * constants and validates each group, and a builder taken from options builds them again.
 */
class TrainOptionsTest {
  private static final Path DATA = new Path("/data");
  private static final Path OUT = new Path("/out");

  @Test
  void everyChoiceParsesItsSpellingInAnyCase() {
    for (Class<? extends Enum<?>> type : java.util.List.<Class<? extends Enum<?>>>of(
        TrainOptions.Engine.class, TrainOptions.Approach.class,
        TrainOptions.Repartitioning.class, TrainOptions.Updater.class,
        TrainOptions.Storage.class, TrainOptions.OnBadCheckpoint.class)) {
      for (Enum<?> e : type.getEnumConstants()) {
        String spelling = ((TrainOptions.Choice) e).spelling();
        assertSame(e, parse(type, spelling));
        assertSame(e, parse(type, spelling.toUpperCase(Locale.ROOT)));
        assertSame(e, parse(type, spelling.toLowerCase(Locale.ROOT)));
      }
      BadInputException bad = assertThrows(BadInputException.class, () -> parse(type, "x"));
      assertTrue(bad.getMessage().startsWith("--"), bad.getMessage());
      assertThrows(BadInputException.class, () -> parse(type, null));
      assertThrows(BadInputException.class, () -> parse(type, ""));
    }
    assertEquals("when-needed", TrainOptions.Repartitioning.WHEN_NEEDED.spelling());
    // no spelling of another set, nor a near miss
    assertThrows(BadInputException.class, () -> TrainOptions.Repartitioning.parse("WHEN_NEEDED"));
    assertThrows(BadInputException.class, () -> TrainOptions.Engine.parse("auto"));
    assertThrows(BadInputException.class, () -> TrainOptions.Approach.parse("dırect"));
  }

  private static Object parse(Class<?> type, String value) {
    try {
      return type.getMethod("parse", String.class).invoke(null, value);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw (RuntimeException) e.getCause();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void storageLevelsAreExactlySparks() {
    Set<String> spark = new TreeSet<>();
    for (Method m : StorageLevel.class.getMethods()) {
      if (Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 0
          && m.getReturnType() == StorageLevel.class) {
        spark.add(m.getName());
      }
    }
    Set<String> ours = new TreeSet<>();
    for (TrainOptions.Storage s : TrainOptions.Storage.values()) {
      ours.add(s.name());
      assertEquals(StorageLevel.fromString(s.name()), s.level());
    }
    assertTrue(spark.contains("MEMORY_ONLY_SER"), spark.toString());
    assertEquals(spark, ours);
  }

  @Test
  void builderStartsFromTheDefaultConstants() {
    TrainOptions o = TrainOptions.defaults(DATA, OUT);
    assertEquals(TrainOptions.Engine.parse(TrainOptions.DEFAULT_ENGINE), o.engine());
    assertEquals(TrainOptions.DEFAULT_EPOCHS, o.epochs());
    assertEquals(TrainOptions.DEFAULT_SEED, o.seed());
    assertEquals(LeNet5.Variant.parse(TrainOptions.DEFAULT_VARIANT), o.variant());
    assertEquals(LeNet5.Kernels.parse(TrainOptions.DEFAULT_KERNELS), o.kernels());
    assertEquals(new TrainOptions.DataOptions(DATA, TrainOptions.DEFAULT_BATCH_SIZE, false),
        o.data());
    assertEquals(new TrainOptions.SparkOptions(TrainOptions.DEFAULT_WORKERS,
        TrainOptions.DEFAULT_AVERAGING_FREQUENCY, TrainOptions.DEFAULT_PREFETCH,
        TrainOptions.DEFAULT_AGGREGATION_DEPTH,
        TrainOptions.Approach.parse(TrainOptions.DEFAULT_APPROACH),
        TrainOptions.Storage.parse(TrainOptions.DEFAULT_STORAGE_LEVEL),
        TrainOptions.Repartitioning.parse(TrainOptions.DEFAULT_REPARTITION), null), o.spark());
    assertEquals(new TrainOptions.OptimiserOptions(
        TrainOptions.Updater.parse(TrainOptions.DEFAULT_UPDATER),
        TrainOptions.DEFAULT_LEARNING_RATE, TrainOptions.DEFAULT_LR_DECAY,
        TrainOptions.DEFAULT_L2), o.optimiser());
    assertEquals(new TrainOptions.OutputOptions(OUT, false, false,
        TrainOptions.DEFAULT_KEEP_CHECKPOINTS,
        TrainOptions.OnBadCheckpoint.parse(TrainOptions.DEFAULT_ON_BAD_CHECKPOINT)), o.output());
    assertFalse(o.output().fallBackToPreviousCheckpoint());
    assertNull(o.spark().exportDir());
  }

  @Test
  void toBuilderBuildsTheSameOptionsAndChangesOnlyWhatIsSet() {
    TrainOptions o = TrainOptions.builder(DATA, OUT).engine(TrainOptions.Engine.LOCAL)
        .epochs(3).seed(9).variant(LeNet5.Variant.CLASSIC).kernels(LeNet5.Kernels.STOCK)
        .batchSize(16).augment(true).workers(4).averagingFrequency(5).prefetch(0)
        .aggregationDepth(3).approach(TrainOptions.Approach.DIRECT)
        .storageLevel(TrainOptions.Storage.OFF_HEAP)
        .repartition(TrainOptions.Repartitioning.NEVER).exportDir(new Path("/x"))
        .updater(TrainOptions.Updater.SGD).learningRate(0.01).lrDecay(1).l2(1e-4)
        .resume(true).keepCheckpoints(5)
        .onBadCheckpoint(TrainOptions.OnBadCheckpoint.PREVIOUS).build();
    assertEquals(o, o.toBuilder().build());
    assertTrue(o.output().fallBackToPreviousCheckpoint());
    TrainOptions more = o.toBuilder().epochs(7).build();
    assertEquals(7, more.epochs());
    assertEquals(o.spark(), more.spark());
    assertEquals(o.optimiser(), more.optimiser());
    assertEquals(0.01 * 0.5 * 0.5, TrainOptions.builder(DATA, OUT).learningRate(0.01)
        .lrDecay(0.5).build().optimiser().learningRateAt(3), 1e-15);
  }

  @Test
  void eachGroupValidatesItsValues() {
    String[][] cases = {
        {"epochs", "--epochs must be at least 1"},
        {"workers", "--workers must be at least 1"},
        {"batchSize", "--batch-size must be between 1 and 4096, got 4097"},
        {"averagingFrequency", "--averaging-frequency must be at least 1"},
        {"prefetch", "--prefetch must be 0 or more"},
        {"aggregationDepth", "--aggregation-depth must be between 1 and 10"},
        {"learningRate", "--learning-rate must be > 0"},
        {"lrDecay", "--lr-decay must be in (0, 1]"},
        {"l2", "--l2 must be 0 or more"},
        {"keepCheckpoints", "--keep-checkpoints must be at least 1"},
        {"resumeAndOverwrite", "--resume and --overwrite exclude each other"}};
    for (String[] c : cases) {
      TrainOptions.Builder b = TrainOptions.builder(DATA, OUT);
      switch (c[0]) {
        case "epochs" -> b.epochs(0);
        case "workers" -> b.workers(0);
        case "batchSize" -> b.batchSize(TrainOptions.MAX_BATCH_SIZE + 1);
        case "averagingFrequency" -> b.averagingFrequency(0);
        case "prefetch" -> b.prefetch(-1);
        case "aggregationDepth" -> b.aggregationDepth(11);
        case "learningRate" -> b.learningRate(Double.NaN);
        case "lrDecay" -> b.lrDecay(1.5);
        case "l2" -> b.l2(-1);
        case "keepCheckpoints" -> b.keepCheckpoints(0);
        default -> b.resume(true).overwrite(true);
      }
      BadInputException e = assertThrows(BadInputException.class, b::build, c[0]);
      assertEquals(c[1], e.getMessage());
    }
    assertEquals("--updater is required", assertThrows(BadInputException.class,
        () -> TrainOptions.builder(DATA, OUT).updater(null).build()).getMessage());
  }
}
