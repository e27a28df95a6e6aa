package io.cascade.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An external tool run by a test: its output drained on daemon threads into bounded tails, an
 * optional listener fed each stdout line as it arrives, and a hard deadline after which a watchdog
 * kills it. {@link #close()} always kills it (and any children) forcibly, so a test that fails
 * half-way leaves nothing running.
 */
public final class ToolProcess implements AutoCloseable {
  /** Errors go to stderr; stdout carries per-frame or progress lines, of which the last few suffice. */
  private static final int STDERR_TAIL_LINES = 300;
  private static final int STDOUT_TAIL_LINES = 20;
  private static final Duration DRAIN_GRACE = Duration.ofSeconds(5);
  private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "tool-process-watchdog");
    t.setDaemon(true);
    return t;
  });

  private final String name;
  private final List<String> command;
  private final Duration hardTimeout;
  private final Process process;
  private final long startedNanos;
  private final TailBuffer stdout = new TailBuffer(STDOUT_TAIL_LINES);
  private final TailBuffer stderr = new TailBuffer(STDERR_TAIL_LINES);
  private final Thread stdoutDrain;
  private final Thread stderrDrain;
  private final ScheduledFuture<?> watchdog;
  private volatile long exitedNanos;
  private volatile boolean killedAtDeadline;
  private volatile RuntimeException listenerFailure;

  private ToolProcess(String name, List<String> command, Map<String, String> environment, Duration hardTimeout,
      Consumer<String> stdoutListener) {
    this.name = name;
    this.command = List.copyOf(command);
    this.hardTimeout = hardTimeout;
    // Tools that read stdin (ffmpeg's interactive keys) must see EOF, not wait on a pipe.
    ProcessBuilder builder = new ProcessBuilder(this.command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().putAll(environment);
    try {
      this.process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
    }
    this.startedNanos = System.nanoTime();
    this.stdoutDrain = drain(process.getInputStream(), "out", line -> {
      stdout.add(line);
      if (listenerFailure == null) {
        try {
          stdoutListener.accept(line);
        } catch (RuntimeException e) {
          listenerFailure = e;
        }
      }
    });
    this.stderrDrain = drain(process.getErrorStream(), "err", stderr::add);
    this.watchdog = WATCHDOG.schedule(() -> {
      if (process.isAlive()) {
        killedAtDeadline = true;
        kill();
      }
    }, hardTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Starts {@code command} with extra environment variables. The tool is killed once
   * {@code hardTimeout} has passed, whatever the test is doing.
   */
  public static ToolProcess start(String name, List<String> command, Map<String, String> environment,
      Duration hardTimeout, Consumer<String> stdoutListener) {
    return new ToolProcess(name, command, environment, hardTimeout, stdoutListener);
  }

  private Thread drain(InputStream stream, String suffix, Consumer<String> sink) {
    Thread thread = new Thread(() -> {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          sink.accept(line);
        }
      } catch (IOException ignored) {
        // The stream closes when the process is killed; what was read so far is kept.
      }
    }, name + "-" + suffix);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /**
   * Waits for the tool to exit on its own and for its output to be fully read.
   *
   * @return the exit code
   * @throws AssertionError when the hard deadline killed it, with the command and its output
   */
  public int awaitExit() {
    try {
      process.waitFor();
      exitedNanos = System.nanoTime();
      stdoutDrain.join(DRAIN_GRACE.toMillis());
      stderrDrain.join(DRAIN_GRACE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
      throw new AssertionError("interrupted while waiting for " + name, e);
    }
    watchdog.cancel(false);
    if (killedAtDeadline) {
      throw new AssertionError(name + " did not finish within its hard timeout of " + hardTimeout + "\n" + describe());
    }
    if (listenerFailure != null) {
      throw new AssertionError("could not parse output of " + name + "\n" + describe(), listenerFailure);
    }
    return process.exitValue();
  }

  /** Asks the tool to stop (SIGTERM), as a user pressing Ctrl-C would, so it can finish its output file. */
  public void terminate() {
    process.destroy();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String name() {
    return name;
  }

  /** Wall time from start to the exit seen by {@link #awaitExit()}, or to now. */
  public Duration elapsed() {
    long end = exitedNanos;
    return Duration.ofNanos((end == 0 ? System.nanoTime() : end) - startedNanos);
  }

  public List<String> stderrLines() {
    return stderr.lines();
  }

  /** The command line and the last lines of both output streams, for assertion messages. */
  public String describe() {
    return name + ": " + String.join(" ", command)
        + (process.isAlive() ? "\n running" : "\n exit code " + process.exitValue())
        + " after " + elapsed().toMillis() + " ms"
        + "\n stderr:\n" + stderr.render()
        + " stdout:\n" + stdout.render();
  }

  private void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  @Override
  public void close() {
    watchdog.cancel(false);
    kill();
    try {
      process.waitFor(DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
