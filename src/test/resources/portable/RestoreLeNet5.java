import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Plain DL4J, no class of lenet5-spark: restores each model.zip given on the command line with
 * DL4J's ModelSerializer (network and normaliser), predicts the MNIST test images straight from
 * the raw IDX bytes and prints "model <i> accuracy <correct>/<n>"; the probabilities go to
 * <out dir>/probabilities-<i>.txt, one image per line. It also checks that the README's example
 * ({@link #readmeExample}) gives the first image's probabilities. Run with Java's source launcher:
 * java -cp <DL4J + ND4J jars> RestoreLeNet5.java <idx dir> <out dir> <model.zip>...
 */
public class RestoreLeNet5 {
  /** The README's example, line for line: the probabilities p0..p9 of the first test image. */
  static float[] readmeExample(String modelZip, String imagesFile) throws IOException {
    File model = new File(modelZip);
    MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(model);
    DataNormalization normalizer = ModelSerializer.restoreNormalizerFromFile(model);
    byte[] images = Files.readAllBytes(Path.of(imagesFile));
    float[] pixels = new float[784];                // 28x28, row-major, raw 0-255
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = images[16 + i] & 0xff;            // after the 16-byte IDX header
    }
    INDArray x = Nd4j.create(pixels, new long[] {1, 1, 28, 28}, 'c');
    normalizer.transform(x);
    float[] probabilities = net.output(x).toFloatVector();   // p0..p9, the digit is the largest
    return probabilities;
  }

  private static INDArray firstImage(byte[] images, DataNormalization normalizer) {
    float[] pixels = new float[784];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = images[16 + i] & 0xff;
    }
    INDArray x = Nd4j.create(pixels, new long[] {1, 1, 28, 28}, 'c');
    normalizer.transform(x);
    return x;
  }

  public static void main(String[] args) throws Exception {
    Path idx = Path.of(args[0]);
    Path outDir = Path.of(args[1]);
    boolean projectVisible;
    try {
      Class.forName("org.lenet5spark.model.LeNet5");
      projectVisible = true;
    } catch (ClassNotFoundException e) {
      projectVisible = false;
    }
    System.out.println("project classes visible: " + projectVisible);
    byte[] images = Files.readAllBytes(idx.resolve("t10k-images-idx3-ubyte"));
    byte[] labels = Files.readAllBytes(idx.resolve("t10k-labels-idx1-ubyte"));
    int n = labels.length - 8;
    for (int m = 2; m < args.length; m++) {
      // the README's lines: restore the model and its normaliser, predict from raw pixels
      File model = new File(args[m]);
      MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(model);
      DataNormalization normalizer = ModelSerializer.restoreNormalizerFromFile(model);
      int correct = 0;
      try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(
          outDir.resolve("probabilities-" + (m - 2) + ".txt")))) {
        for (int start = 0; start < n; start += 500) {
          int b = Math.min(500, n - start);
          float[] pixels = new float[b * 784];
          for (int i = 0; i < pixels.length; i++) {
            pixels[i] = images[16 + start * 784 + i] & 0xff;
          }
          INDArray x = Nd4j.create(pixels, new long[] {b, 1, 28, 28}, 'c');
          normalizer.transform(x);
          float[][] p = net.output(x).toFloatMatrix();
          for (int i = 0; i < b; i++) {
            int best = 0;
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < 10; c++) {
              best = p[i][c] > p[i][best] ? c : best;
              line.append(c == 0 ? "" : " ").append(p[i][c]);
            }
            out.println(line);
            correct += best == labels[8 + start + i] ? 1 : 0;
          }
        }
      }
      System.out.println("model " + (m - 2) + " layers " + net.getnLayers() + " accuracy "
          + correct + "/" + n);
      float[] first = net.output(firstImage(images, normalizer)).toFloatVector();
      float[] readme = readmeExample(args[m], idx.resolve("t10k-images-idx3-ubyte").toString());
      float worst = 0;
      for (int c = 0; c < 10; c++) {
        worst = Math.max(worst, Math.abs(first[c] - readme[c]));
      }
      System.out.println("model " + (m - 2) + " readme example matches: " + (worst <= 1e-6f));
    }
  }
}
