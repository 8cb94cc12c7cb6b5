package org.lenet5spark.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.Source;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import org.junit.jupiter.api.Test;
import org.lenet5spark.cli.Lenet5Cli;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine;

/**
 * submit/oozie/workflow.xml is valid against Oozie's own workflow 1.0 and Spark-action 1.0
 * schemas (from oozie-client 5.2.1), runs the stages in order, and the {@code <arg>} list of each
 * Spark action, with job.properties substituted, parses with the CLI.
 */
class OozieWorkflowTest {
  private static final Path WORKFLOW = Path.of("submit", "oozie", "workflow.xml");
  private static final Path JOB = Path.of("submit", "oozie", "job.properties");
  private static final String SPARK_NS = "uri:oozie:spark-action:1.0";

  @Test
  void workflowIsValidAgainstOozieSchemas() throws Exception {
    SchemaFactory f = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
    Schema schema = f.newSchema(new Source[] {xsd("oozie-workflow-1.0.xsd"),
        xsd("spark-action-1.0.xsd")});
    schema.newValidator().validate(new StreamSource(WORKFLOW.toFile()));
  }

  @Test
  void sparkActionsRunTheStagesAndTheirArgumentsParse() throws Exception {
    Document doc = parse();
    Properties props = jobProperties();
    Map<String, List<String>> actions = new LinkedHashMap<>();
    NodeList sparks = doc.getElementsByTagNameNS(SPARK_NS, "spark");
    for (int i = 0; i < sparks.getLength(); i++) {
      Element spark = (Element) sparks.item(i);
      Element action = (Element) spark.getParentNode();
      List<String> args = new ArrayList<>();
      NodeList argNodes = spark.getElementsByTagNameNS(SPARK_NS, "arg");
      for (int a = 0; a < argNodes.getLength(); a++) {
        args.add(substitute(argNodes.item(a).getTextContent().trim(), props));
      }
      assertEquals("org.lenet5spark.cli.Lenet5Cli",
          spark.getElementsByTagNameNS(SPARK_NS, "class").item(0).getTextContent());
      actions.put(action.getAttribute("name"), args);
    }
    assertEquals(List.of("prepare", "train", "evaluate"), List.copyOf(actions.keySet()));
    for (Map.Entry<String, List<String>> e : actions.entrySet()) {
      CommandLine.ParseResult parsed =
          Lenet5Cli.newCommandLine().parseArgs(e.getValue().toArray(String[]::new));
      assertNotNull(parsed.subcommand(), e.getKey());
      assertEquals(e.getKey(), parsed.subcommand().commandSpec().name());
    }
    // the fetch stage checks the four IDX files and comes first
    Element start = (Element) doc.getElementsByTagName("start").item(0);
    assertEquals("fetch", start.getAttribute("to"));
    String decision = doc.getElementsByTagName("decision").item(0).getTextContent();
    for (String f : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")) {
      assertTrue(decision.contains(f), f);
    }
  }

  private static Document parse() throws Exception {
    DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
    dbf.setNamespaceAware(true);
    return dbf.newDocumentBuilder().parse(WORKFLOW.toFile());
  }

  private static Properties jobProperties() throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(JOB)) {
      p.load(r);
    }
    return p;
  }

  /** Replaces ${name} with job.properties values (recursively); unknown names fail. */
  static String substitute(String s, Properties props) {
    Matcher m = Pattern.compile("\\$\\{([A-Za-z][A-Za-z0-9.]*)}").matcher(s);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String v = props.getProperty(m.group(1));
      assertNotNull(v, "job.properties lacks " + m.group(1));
      m.appendReplacement(sb, Matcher.quoteReplacement(substitute(v, props)));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  private static Source xsd(String name) {
    URL url = OozieWorkflowTest.class.getResource("/" + name);
    assertNotNull(url, name + " not on the test classpath (oozie-client)");
    return new StreamSource(url.toExternalForm());
  }
}
