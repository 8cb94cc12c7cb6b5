package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.SmallData;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Early stopping and the best model on a small real-MNIST subset forced to overfit (1,500
 * training images, a high constant learning rate): the run stops {@code P} epochs after the
 * epoch with the lowest validation loss, {@code model.zip} holds exactly that epoch's checkpoint
 * parameters (read with plain DL4J) although only one checkpoint is kept, run.json says why
 * (read with plain Jackson), and a run trained in two parts (fewer {@code --epochs}, then
 * {@code --resume} with more) stops at the same epoch with the same model, bit for bit.
 */
class EarlyStoppingTest {
  private static final int PATIENCE = 2;
  private static final ObjectMapper PLAIN = new ObjectMapper();
  @TempDir
  static Path tmp;
  static Path data;

  @BeforeAll
  static void data() throws IOException {
    data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), 1500, 300),
        tmp.resolve("shards"), "binary", 2);
  }

  private static CliRun train(Path out, int epochs, String... extra) {
    return train(out, epochs, PATIENCE, extra);
  }

  private static CliRun train(Path out, int epochs, int patience, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--output",
        out.toString(), "--engine", "local", "--epochs", String.valueOf(epochs), "--seed", "5",
        "--learning-rate", "0.01", "--lr-decay", "1", "--validation", "300",
        "--early-stopping-patience", String.valueOf(patience), "--keep-checkpoints", "1"));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static List<JsonNode> metrics(Path out) throws IOException {
    List<JsonNode> out2 = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      out2.add(PLAIN.readTree(line));
    }
    return out2;
  }

  private static INDArray params(Path model) throws IOException {
    MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(model.toFile(), false);
    return net.params();
  }

  @Test
  void stopsAfterPatienceAndKeepsTheBestEpochAlsoWhenResumedInTheMiddle() throws Exception {
    Path whole = tmp.resolve("whole");
    CliRun r = train(whole, 25);
    assertEquals(ExitCodes.OK, r.code(), r.err());
    List<JsonNode> m = metrics(whole);
    int last = m.size();
    assertTrue(last < 25, "the overfitting run should stop early, ran " + last);
    // the best epoch: the first with the lowest validation loss
    int best = 1;
    for (int e = 1; e <= last; e++) {
      if (m.get(e - 1).get("validation_loss").asDouble()
          < m.get(best - 1).get("validation_loss").asDouble()) {
        best = e;
      }
    }
    assertEquals(best + PATIENCE, last, "stops after " + PATIENCE + " epochs without "
        + "improvement");
    assertTrue(r.out().contains("early stopping at epoch " + last), r.out());

    JsonNode sel = PLAIN.readTree(whole.resolve("run.json").toFile()).get("selection");
    assertEquals(best, sel.get("selected_epoch").asInt());
    assertEquals("validation_loss", sel.get("metric").asText());
    assertEquals(m.get(best - 1).get("validation_loss").asDouble(), sel.get("value").asDouble());
    assertTrue(sel.get("stopped_early").asBoolean());
    assertEquals(last, sel.get("last_epoch").asInt());
    assertTrue(sel.get("stop_reason").asText().startsWith("early stopping at epoch " + last
        + ": no improvement of validation loss for " + PATIENCE + " epochs"), sel.toString());
    assertEquals(m.get(best - 1).get("test_accuracy").asDouble(),
        PLAIN.readTree(whole.resolve("run.json").toFile()).get("final_test_accuracy")
            .asDouble(), "the published model's test accuracy");

    // model.zip is the best epoch's checkpoint, which pruning kept (--keep-checkpoints 1)
    Path bestCheckpoint = whole.resolve(String.format("checkpoints/epoch-%04d/model.zip", best));
    Path lastCheckpoint = whole.resolve(String.format("checkpoints/epoch-%04d/model.zip", last));
    assertTrue(Files.exists(bestCheckpoint) && Files.exists(lastCheckpoint));
    INDArray published = params(whole.resolve("model.zip"));
    assertEquals(params(bestCheckpoint), published);
    assertNotEquals(params(lastCheckpoint), published);
    try (var s = Files.list(whole.resolve("checkpoints"))) {
      assertEquals(2, s.filter(p -> !p.getFileName().toString().startsWith(".")).count(),
          "the newest checkpoint and the best one");
    }

    // a stopped run is complete: --resume with more epochs has nothing to do
    CliRun again = train(whole, 30, "--resume");
    assertEquals(ExitCodes.OK, again.code(), again.err());
    assertTrue(again.out().contains("stopped early at epoch " + last), again.out());
    assertEquals(last, metrics(whole).size());

    // the same run in two parts: the first part ends before the stopping epoch
    Path parts = tmp.resolve("parts");
    CliRun first = train(parts, best);
    assertEquals(ExitCodes.OK, first.code(), first.err());
    assertFalse(PLAIN.readTree(parts.resolve("run.json").toFile()).get("selection")
        .get("stopped_early").asBoolean());
    CliRun rest = train(parts, 25, "--resume");
    assertEquals(ExitCodes.OK, rest.code(), rest.err());
    assertTrue(rest.out().contains("early stopping at epoch " + last), rest.out());
    List<JsonNode> m2 = metrics(parts);
    assertEquals(last, m2.size());
    for (int e = 0; e < last; e++) {
      assertEquals(m.get(e).get("validation_loss").asDouble(),
          m2.get(e).get("validation_loss").asDouble(), "epoch " + (e + 1));
    }
    assertEquals(best, PLAIN.readTree(parts.resolve("run.json").toFile()).get("selection")
        .get("selected_epoch").asInt());
    assertEquals(published, params(parts.resolve("model.zip")), "the same model, bit for bit");
  }

  @Test
  void keepLastPublishesTheLastEpoch() throws Exception {
    Path out = tmp.resolve("last");
    CliRun r = train(out, 3, 0, "--keep", "last");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    JsonNode sel = PLAIN.readTree(out.resolve("run.json").toFile()).get("selection");
    assertEquals(3, sel.get("selected_epoch").asInt());
    assertFalse(sel.get("stopped_early").asBoolean());
    assertEquals("all 3 epochs done", sel.get("stop_reason").asText());
    assertEquals(params(out.resolve("checkpoints/epoch-0003/model.zip")),
        params(out.resolve("model.zip")));
  }
}
