package org.lenet5spark.cli;

import picocli.CommandLine.Option;

/**
 * {@code --kernels} of the commands that load a model to run it ({@code evaluate},
 * {@code predict}, {@code report}; mixed in): how the saved (portable) model is executed.
 * {@code train} has its own, with the training defaults of {@code TrainOptions}.
 */
public final class KernelsOption {
  @Option(names = "--kernels", defaultValue = "auto", paramLabel = "auto|fused|stock",
      description = "How the model is executed: this project's fused CPU kernels, DL4J's "
          + "stock layers, or auto (fused on ND4J's CPU backend, stock on CUDA); the saved "
          + "model is the same either way (default: ${DEFAULT-VALUE}).")
  String value;
}
