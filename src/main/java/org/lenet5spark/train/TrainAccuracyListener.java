package org.lenet5spark.train;

import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training accuracy measured on the fly: a DL4J training listener that, on the forward pass of
 * each minibatch being fitted, takes the input of the output layer (the last activation DL4J
 * hands to {@link #onForwardPass}), computes the output layer's logits with its current weights
 * (the arg-max of the logits is the arg-max of the softmax) and counts the examples whose
 * predicted class is their label. The counts are integers, so summing them over minibatches and
 * workers gives the same result in any order. Costs one small matrix product per minibatch (the
 * 84x10 output layer), not a second forward pass.
 */
public final class TrainAccuracyListener extends BaseTrainingListener {
  private long correct;
  private long examples;

  /** Clears the counts. */
  public void reset() {
    correct = 0;
    examples = 0;
  }

  /** Correctly classified training examples since the last reset. */
  public long correct() {
    return correct;
  }

  /** Training examples counted since the last reset. */
  public long examples() {
    return examples;
  }

  /** The listener of {@code net}, added on first use. */
  public static TrainAccuracyListener of(MultiLayerNetwork net) {
    for (Object l : net.getListeners()) {
      if (l instanceof TrainAccuracyListener t) {
        return t;
      }
    }
    TrainAccuracyListener t = new TrainAccuracyListener();
    net.addListeners(t);
    return t;
  }

  @Override
  public void onForwardPass(Model model, List<INDArray> activations) {
    if (!(model instanceof MultiLayerNetwork net) || activations.isEmpty()) {
      return;
    }
    INDArray labels = net.getLabels();
    Layer out = net.getOutputLayer();
    INDArray in = activations.get(activations.size() - 1);
    INDArray w = out.getParam(DefaultParamInitializer.WEIGHT_KEY);
    INDArray b = out.getParam(DefaultParamInitializer.BIAS_KEY);
    if (labels == null || w == null || b == null || in.rank() != 2) {
      throw new IllegalStateException("training accuracy needs a dense output layer fed by a "
          + "2-d activation, got " + in.rank() + "-d");
    }
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      INDArray logits = in.castTo(w.dataType()).mmul(w).addiRowVector(b);
      long[] predicted = Nd4j.argMax(logits, 1).castTo(DataType.LONG).toLongVector();
      long[] actual = Nd4j.argMax(labels, 1).castTo(DataType.LONG).toLongVector();
      for (int i = 0; i < actual.length; i++) {
        correct += predicted[i] == actual[i] ? 1 : 0;
      }
      examples += actual.length;
    }
  }
}
