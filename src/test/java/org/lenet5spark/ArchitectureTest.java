package org.lenet5spark;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package rules of docs/ARCHITECTURE.md, checked on the compiled main classes (every
 * reference counts: imports, fully qualified names, signatures, annotations). Packages depend one
 * way, from the top: {@code cli}; {@code ml} (Spark ML and SQL, on top of the stages); the stages
 * ({@code train}, {@code predict}, {@code report}, {@code bench}, {@code eval}); {@code run} (the
 * run folder's contract); the domain ({@code model} with {@code model.kernels}, {@code data},
 * {@code spark}); the base ({@code io}, {@code compat}, {@code errors}). No cycles between
 * top-level packages, and {@code errors} depends on nothing of ours.
 */
@AnalyzeClasses(packages = "org.lenet5spark", importOptions = ImportOption.DoNotIncludeTests.class)
final class ArchitectureTest {
  @ArchTest
  static final ArchRule LAYERS = layeredArchitecture().consideringOnlyDependenciesInLayers()
      .layer("cli").definedBy("org.lenet5spark.cli..")
      .layer("ml").definedBy("org.lenet5spark.ml..")
      .layer("stages").definedBy("org.lenet5spark.train..", "org.lenet5spark.predict..",
          "org.lenet5spark.report..", "org.lenet5spark.bench..", "org.lenet5spark.eval..")
      .layer("run").definedBy("org.lenet5spark.run..")
      .layer("domain").definedBy("org.lenet5spark.model..", "org.lenet5spark.data..",
          "org.lenet5spark.spark..")
      .layer("base").definedBy("org.lenet5spark.io..", "org.lenet5spark.compat..",
          "org.lenet5spark.errors..")
      .whereLayer("cli").mayNotBeAccessedByAnyLayer()
      .whereLayer("ml").mayOnlyBeAccessedByLayers("cli")
      .whereLayer("stages").mayOnlyBeAccessedByLayers("cli", "ml")
      .whereLayer("run").mayOnlyBeAccessedByLayers("cli", "ml", "stages")
      .whereLayer("domain").mayOnlyBeAccessedByLayers("cli", "ml", "stages", "run")
      .whereLayer("base").mayOnlyBeAccessedByLayers("cli", "ml", "stages", "run", "domain");

  @ArchTest
  static final ArchRule NO_CYCLES = slices().matching("org.lenet5spark.(*)..")
      .should().beFreeOfCycles();

  @ArchTest
  static final ArchRule ERRORS_DEPEND_ON_NOTHING_OF_OURS = noClasses()
      .that().resideInAPackage("org.lenet5spark.errors..")
      .should().dependOnClassesThat(resideInAPackage("org.lenet5spark..")
          .and(resideOutsideOfPackage("org.lenet5spark.errors..")));

  @ArchTest
  static final ArchRule NO_PACKAGE_OUTSIDE_THE_LAYERS = noClasses()
      .that().resideInAPackage("org.lenet5spark..")
      .should().resideOutsideOfPackages("org.lenet5spark.cli..", "org.lenet5spark.ml..",
          "org.lenet5spark.train..",
          "org.lenet5spark.predict..", "org.lenet5spark.report..", "org.lenet5spark.bench..",
          "org.lenet5spark.eval..", "org.lenet5spark.run..", "org.lenet5spark.model..",
          "org.lenet5spark.data..", "org.lenet5spark.spark..", "org.lenet5spark.io..",
          "org.lenet5spark.compat..", "org.lenet5spark.errors..");

  private ArchitectureTest() {
  }
}
