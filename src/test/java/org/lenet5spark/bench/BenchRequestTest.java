package org.lenet5spark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lenet5spark.bench.BenchRequest.Suite;
import org.lenet5spark.errors.BadInputException;

/** What bench accepts before any work: suite names, rounds, the Markdown file's default name. */
class BenchRequestTest {
  @Test
  void suitesAreParsedInOrderAndUnknownOnesRefused() {
    assertEquals(List.of(Suite.PYTORCH, Suite.DATA),
        List.copyOf(Suite.parse(List.of("pytorch", "data"))));
    BadInputException e = assertThrows(BadInputException.class,
        () -> Suite.parse(List.of("data", "gpu")));
    assertEquals("unknown suite gpu (expected data, train, throughput, pytorch, inference or "
        + "scaling)",
        e.getMessage());
    assertThrows(BadInputException.class, () -> Suite.parse(List.of("DATA")));
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
