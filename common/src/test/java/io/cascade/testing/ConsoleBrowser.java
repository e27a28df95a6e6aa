package io.cascade.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Headless Debian chromium driven through its chromedriver, both at fixed paths (system properties
 * set by the failsafe configuration) so that Selenium downloads nothing; a fresh profile per
 * browser, deleted on close. The origin's and the edge's integration tests use it (both failsafe
 * configurations set the two properties).
 */
public final class ConsoleBrowser implements AutoCloseable {
  private static final String DRIVER_PROPERTY = "webdriver.chrome.driver";
  private static final String CHROMIUM_PROPERTY = "cascade.chromium";

  private final Path profile;
  private final ChromeDriver driver;

  private ConsoleBrowser(Path profile, ChromeDriver driver) {
    this.profile = profile;
    this.driver = driver;
  }

  public static ConsoleBrowser start(Duration pageLoadTimeout) throws IOException {
    File chromedriver = required(DRIVER_PROPERTY, "Debian package chromium-driver");
    File chromium = required(CHROMIUM_PROPERTY, "Debian package chromium");
    Path profile = Files.createTempDirectory("cascade-console-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--autoplay-policy=no-user-gesture-required", "--mute-audio", "--no-first-run",
        // This machine's network is closed: no update, sync or metrics traffic to be refused.
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
        "--window-size=1280,800", "--user-data-dir=" + profile);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver).build();
    try {
      ChromeDriver driver = new ChromeDriver(service, options);
      driver.manage().timeouts().pageLoadTimeout(pageLoadTimeout).scriptTimeout(pageLoadTimeout);
      return new ConsoleBrowser(profile, driver);
    } catch (RuntimeException e) {
      deleteTree(profile);
      throw e;
    }
  }

  private static File required(String property, String from) {
    String path = System.getProperty(property);
    if (path == null || !new File(path).canExecute()) {
      throw new AssertionError("system property " + property + "=" + path + " is not an executable (" + from
          + ", installed by .ci/run; the origin's and the edge's failsafe configurations set the property)");
    }
    return new File(path);
  }

  public void open(String url) {
    driver.get(url);
  }

  public ChromeDriver driver() {
    return driver;
  }

  /** Runs {@code return <expression>} in the page. */
  public Object eval(String expression) {
    return ((JavascriptExecutor) driver).executeScript("return " + expression);
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> consoleStatus() {
    return (Map<String, Object>) eval("window.cascadeConsole ? window.cascadeConsole.status() : null");
  }

  /** The page's console messages since the last call. */
  public List<LogEntry> consoleLog() {
    return driver.manage().logs().get(LogType.BROWSER).getAll();
  }

  public void screenshot(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.move(driver.getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      deleteTree(profile);
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
