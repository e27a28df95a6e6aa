package io.cascade.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The Cascade image built the way k8s/image/Dockerfile says, from the packaged jars, on a base image
 * made locally by k8s/image/build-base-image.sh (nothing can be pulled here).
 */
public final class CascadeImage implements AutoCloseable {
  public static final String BASE_IMAGE = "cascade-base:bookworm-jre17";
  /** debootstrap takes about a minute with a warm mirror; leave room for a slow one. */
  private static final Duration BASE_BUILD_TIMEOUT = Duration.ofMinutes(10);
  private static final Logger log = LoggerFactory.getLogger(CascadeImage.class);

  private final String name;

  private CascadeImage(String name) {
    this.name = name;
  }

  /** Builds the image from both jars; builds the base image first when it is missing. */
  public static CascadeImage build(Path originJar, Path edgeJar) {
    Path root = Repo.root();
    ensureBaseImage(root);
    String tag = "cascade-it:" + UUID.randomUUID().toString().substring(0, 8);
    long started = System.nanoTime();
    String built = new ImageFromDockerfile(tag, false)
        .withFileFromPath("k8s/image/Dockerfile", root.resolve("k8s/image/Dockerfile"))
        .withFileFromPath("k8s/image/entrypoint.sh", root.resolve("k8s/image/entrypoint.sh"), 0755)
        .withFileFromPath("origin/target/cascade-origin.jar", originJar)
        .withFileFromPath("edge/target/cascade-edge.jar", edgeJar)
        .withDockerfilePath("k8s/image/Dockerfile")
        .withBuildArg("BASE_IMAGE", BASE_IMAGE)
        .get();
    log.info("image built name={} base={} ms={}", built, BASE_IMAGE, (System.nanoTime() - started) / 1_000_000);
    return new CascadeImage(built);
  }

  private static void ensureBaseImage(Path root) {
    try {
      DockerClientFactory.instance().client().inspectImageCmd(BASE_IMAGE).exec();
      return;
    } catch (RuntimeException missing) {
      log.info("base image {} missing; building it with k8s/image/build-base-image.sh", BASE_IMAGE);
    }
    try {
      Path out = Files.createTempFile("cascade-base-image", ".log");
      Process p = new ProcessBuilder(root.resolve("k8s/image/build-base-image.sh").toString(), BASE_IMAGE)
          .redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(BASE_BUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("building " + BASE_IMAGE + " took longer than " + BASE_BUILD_TIMEOUT);
      }
      String output = Files.readString(out, StandardCharsets.UTF_8);
      Files.deleteIfExists(out);
      if (p.exitValue() != 0) {
        throw new AssertionError("k8s/image/build-base-image.sh failed (" + p.exitValue() + "):\n" + output);
      }
      log.info("base image: {}", output.strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  public String name() {
    return name;
  }

  /** Removes the image (the base image stays cached). */
  @Override
  public void close() {
    try {
      DockerClientFactory.instance().client().removeImageCmd(name).withForce(true).exec();
    } catch (RuntimeException e) {
      log.warn("could not remove image {}: {}", name, e.toString());
    }
  }
}
