package io.cascade.cluster;

import io.cascade.client.RtmpUrl;
import io.cascade.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * One Cascade node as a container of the Cascade image, run as an operator would: the role as the
 * command, settings as {@code CASCADE_*} variables, host networking with ports of its own. Its
 * output goes to {@code <logs>/<node>.log}. {@link #kill()} is {@code docker kill} (SIGKILL),
 * {@link #pause()} is {@code docker pause} (the cgroup freezer: sockets open, nothing answers).
 */
final class ContainerNode implements HttpNode, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ContainerNode.class);

  private final String node;
  private final ClusterProcess.Role role;
  private final int rtmpPort;
  private final int httpPort;
  private final Path logFile;
  private final GenericContainer<?> container;

  ContainerNode(String image, String node, ClusterProcess.Role role, Map<String, String> env, int rtmpPort,
      int httpPort, Path logFile, Duration startTimeout) {
    this.node = node;
    this.role = role;
    this.rtmpPort = rtmpPort;
    this.httpPort = httpPort;
    this.logFile = logFile;
    try {
      Files.createDirectories(logFile.getParent());
      Files.writeString(logFile, "=== harness: container " + node + " (" + role + ") image " + image + "\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.container = new GenericContainer<>(DockerImageName.parse(image))
        .withNetworkMode("host")
        .withEnv(env)
        .withCommand(role == ClusterProcess.Role.ORIGIN ? "origin" : "edge")
        .withLogConsumer(this::append)
        .waitingFor(Wait.forLogMessage(".*event=started role=.*", 1).withStartupTimeout(startTimeout));
  }

  private void append(OutputFrame frame) {
    try {
      Files.writeString(logFile, frame.getUtf8String(), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } catch (IOException e) {
      log.warn("cannot write {}: {}", logFile, e.toString());
    }
  }

  /** Starts the container and waits for the node's start line and a ready health check. */
  void start(Duration timeout) {
    long started = System.nanoTime();
    container.start();
    Await.until(timeout, node + " ready", () -> status("/health/ready") == 200, this::logTail);
    log.info("container ready node={} role={} id={} rtmp={} http={} ms={}", node, role,
        container.getContainerId().substring(0, 12), rtmpPort, httpPort, (System.nanoTime() - started) / 1_000_000);
  }

  /** {@code docker kill}: SIGKILL to the node, as a crash or the OOM killer would. */
  void kill() {
    DockerClientFactory.instance().client().killContainerCmd(container.getContainerId()).exec();
    log.info("container killed node={}", node);
  }

  /** {@code docker pause}: every process of the container frozen. */
  void pause() {
    DockerClientFactory.instance().client().pauseContainerCmd(container.getContainerId()).exec();
    log.info("container paused node={}", node);
  }

  void unpause() {
    DockerClientFactory.instance().client().unpauseContainerCmd(container.getContainerId()).exec();
    log.info("container unpaused node={}", node);
  }

  boolean isPaused() {
    var state = DockerClientFactory.instance().client().inspectContainerCmd(container.getContainerId()).exec().getState();
    return Boolean.TRUE.equals(state.getPaused());
  }

  /** Removes the container, whatever state it is in. */
  @Override
  public void close() {
    try {
      if (container.getContainerId() != null && isPaused()) {
        unpause();
      }
    } catch (RuntimeException e) {
      log.debug("unpause before removal of {}: {}", node, e.toString());
    }
    container.stop();
  }

  /** Runs a command in the container and returns its standard output. */
  String exec(String... command) {
    try {
      var result = container.execInContainer(command);
      if (result.getExitCode() != 0) {
        throw new AssertionError(String.join(" ", command) + " in " + node + " exited " + result.getExitCode()
            + ": " + result.getStderr());
      }
      return result.getStdout();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  String containerId() {
    return container.getContainerId();
  }

  @Override
  public int httpPort() {
    return httpPort;
  }

  @Override
  public String node() {
    return node;
  }

  ClusterProcess.Role role() {
    return role;
  }

  int rtmpPort() {
    return rtmpPort;
  }

  RtmpUrl rtmpUrl(String app, String stream) {
    return new RtmpUrl("127.0.0.1", rtmpPort, app, stream);
  }

  String rtmpUri(String app, String stream) {
    return "rtmp://127.0.0.1:" + rtmpPort + "/" + app + "/" + stream;
  }




  /** Lines of the node's output that contain {@code text}. */
  List<String> logLines(String text) {
    try (Stream<String> lines = Files.lines(logFile, StandardCharsets.UTF_8)) {
      return lines.filter(l -> l.contains(text)).toList();
    } catch (IOException | UncheckedIOException e) {
      return List.of();
    }
  }

  String logTail() {
    try {
      List<String> all = Files.readAllLines(logFile, StandardCharsets.ISO_8859_1);
      return "--- " + logFile + "\n" + String.join("\n", all.subList(Math.max(0, all.size() - 60), all.size()));
    } catch (IOException e) {
      return "--- " + logFile + " unreadable: " + e;
    }
  }

  @Override
  public String toString() {
    return node + "(" + role + " container, rtmp " + rtmpPort + ", http " + httpPort + ")";
  }
}
