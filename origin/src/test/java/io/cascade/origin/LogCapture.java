package io.cascade.origin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * Records every log event that reaches the root logger while attached, formatted at once (the
 * event's arguments may change later). Safe to read from the test thread while event loops log.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> {

  /** One captured event; {@code thrown} is the exception's class and message, or null. */
  record Line(long nanos, Level level, String logger, String thread, String message, String thrown) {
    @Override
    public String toString() {
      return level + " [" + thread + "] " + logger + " " + message + (thrown == null ? "" : " !! " + thrown);
    }
  }

  private final List<Line> lines = new CopyOnWriteArrayList<>();

  private LogCapture() {
  }

  static LogCapture attach() {
    LogCapture capture = new LogCapture();
    Logger root = root();
    capture.setContext(root.getLoggerContext());
    capture.setName("bad-input-capture");
    capture.start();
    root.addAppender(capture);
    return capture;
  }

  void detach() {
    root().detachAppender(this);
    stop();
  }

  @Override
  protected void append(ILoggingEvent e) {
    IThrowableProxy t = e.getThrowableProxy();
    lines.add(new Line(System.nanoTime(), e.getLevel(), e.getLoggerName(), e.getThreadName(), e.getFormattedMessage(),
        t == null ? null : t.getClassName() + ": " + t.getMessage()));
  }

  List<Line> lines() {
    return List.copyOf(lines);
  }

  List<Line> matching(Predicate<Line> filter) {
    return lines.stream().filter(filter).toList();
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
