package org.lenet5spark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.bench.BenchRequest.Suite;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.train.TrainOptions;

/**
 * What bench accepts before any work: suite names, rounds, the scale suite's options (exit 2 from
 * the CLI, nothing written), the Markdown file's default name.
 */
class BenchRequestTest {
  @Test
  void suitesAreParsedInOrderAndUnknownOnesRefused() {
    assertEquals(List.of(Suite.PYTORCH, Suite.DATA),
        List.copyOf(Suite.parse(List.of("pytorch", "data"))));
    BadInputException e = assertThrows(BadInputException.class,
        () -> Suite.parse(List.of("data", "gpu")));
    assertEquals("unknown suite gpu (expected data, train, throughput, pytorch, inference, "
        + "scaling or scale)",
        e.getMessage());
    assertThrows(BadInputException.class, () -> Suite.parse(List.of("DATA")));
  }

  @Test
  void scaleOptionsAreCheckedBeforeAnyWork() {
    BenchRequest.Scale s = BenchRequest.Scale.parse(List.of(0, 4, 19), List.of("auto", "stream"),
        2, 2);
    assertEquals(List.of(0, 4, 19), s.expansions());
    assertEquals(List.of(TrainOptions.DataPath.AUTO, TrainOptions.DataPath.STREAM), s.paths());
    assertEquals("--scale-expansions: each must be between 0 and 200 (the maximum), got 201",
        assertThrows(BadInputException.class, () -> BenchRequest.Scale.parse(List.of(0, 201),
            List.of("auto"), 2, 2)).getMessage());
    assertThrows(BadInputException.class,
        () -> BenchRequest.Scale.parse(List.of(-1), List.of("auto"), 2, 2));
    assertThrows(BadInputException.class,
        () -> BenchRequest.Scale.parse(List.of(0, 0), List.of("auto"), 2, 2));
    assertThrows(BadInputException.class,
        () -> BenchRequest.Scale.parse(List.of(), List.of("auto"), 2, 2));
    assertEquals("--scale-paths: unknown data path disk (expected auto, cached or stream)",
        assertThrows(BadInputException.class, () -> BenchRequest.Scale.parse(List.of(0),
            List.of("disk"), 2, 2)).getMessage());
    assertThrows(BadInputException.class,
        () -> BenchRequest.Scale.parse(List.of(0), List.of("stream", "stream"), 2, 2));
    assertThrows(BadInputException.class,
        () -> BenchRequest.Scale.parse(List.of(0), List.of("auto"), 0, 2));
    assertThrows(BadInputException.class,
        () -> BenchRequest.Scale.parse(List.of(0), List.of("auto"), 2, 0));
  }

  @Test
  void badScaleOptionsAreUsageErrorsWithNothingWritten(@TempDir Path tmp) {
    Path work = tmp.resolve("work");
    Path json = tmp.resolve("b.json");
    CliRun r = CliRun.of("bench", "--input", tmp.resolve("idx").toString(), "--work",
        work.toString(), "--json", json.toString(), "--suite", "scale",
        "--scale-expansions", "0,500");
    assertEquals(2, r.code(), r.err());
    assertEquals("error: --scale-expansions: each must be between 0 and 200 (the maximum), got"
        + " 500", r.errorLines().lines().filter(l -> l.startsWith("error")).findFirst()
        .orElse(r.err()));
    assertFalse(Files.exists(work));
    assertFalse(Files.exists(json));
  }

  @Test
  void atLeastOneRoundOfPytorch() {
    assertEquals(1, BenchRequest.checkRounds(1));
    assertThrows(BadInputException.class, () -> BenchRequest.checkRounds(0));
  }

  @Test
  void markdownGoesNextToTheJson() {
    assertEquals("out/figures.md", BenchRequest.defaultMarkdown("out/figures.json"));
    assertEquals("figures.txt.md", BenchRequest.defaultMarkdown("figures.txt"));
  }
}
