package io.cascade.recording;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the recording root holds, read from disk alone ({@code {root}/{app}/{stream}/{recordingId}/}
 * and each {@code index.m3u8}), so it also lists what earlier runs of the node left: the recordings
 * overlapping a time range, and the files a player of one may fetch. Names from a request are
 * checked against the names the recorder writes before they touch the file system, so no request
 * reaches outside the root. Blocking: call it off the event loops.
 */
public final class RecordingCatalog {
  /** A recording id: the UTC second its first segment started, and a suffix when a second had two. */
  private static final Pattern ID = Pattern.compile("\\d{8}T\\d{6}Z(-\\d{1,4})?");
  private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'");
  /** An app or stream directory: one element of what {@link RecordingFiles#safeName} makes. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,255}");
  /** The files of a recording a player needs (a salvaged segment is {@code -s}); temporary files are never served. */
  private static final Pattern FILE = Pattern.compile(
      "index\\.m3u8|init(-\\d{1,9}){0,2}\\.mp4|segment-\\d{5,9}(-s)?\\.m4s");

  /**
   * One recording.
   *
   * @param app its app directory
   * @param stream its stream directory
   * @param id its directory name
   * @param start when its first segment started (from the id, to the second)
   * @param end {@code start} plus its recorded duration
   * @param durationMillis the sum of its segments' durations
   * @param bytes its files together
   * @param segments segments its playlist lists
   * @param finished its playlist is VOD; otherwise it is in progress (or its node stopped without ending it)
   */
  public record Entry(String app, String stream, String id, Instant start, Instant end, long durationMillis,
      long bytes, int segments, boolean finished) {
    /** The path, below the node's HTTP root, of its playlist. */
    public String playlistPath() {
      return "/recordings/" + app + "/" + stream + "/" + id + "/" + RecordingFiles.PLAYLIST;
    }
  }

  private final Path root;

  public RecordingCatalog(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /**
   * The recordings overlapping [{@code from}, {@code to}], oldest first, at most {@code limit};
   * of one stream when {@code app} and {@code stream} are given (as published: they are mapped to
   * their directory names), else of all.
   */
  public List<Entry> list(String app, String stream, Instant from, Instant to, int limit) throws IOException {
    List<Entry> found = new ArrayList<>();
    for (Path appDir : children(root, app == null ? null : RecordingFiles.safeName(app))) {
      for (Path streamDir : children(appDir, stream == null ? null : RecordingFiles.safeName(stream))) {
        for (Path dir : children(streamDir, null)) {
          Optional<Entry> e = read(dir);
          if (e.isPresent() && !e.get().start().isAfter(to) && !e.get().end().isBefore(from)) {
            found.add(e.get());
          }
        }
      }
    }
    found.sort(Comparator.comparing(Entry::start).thenComparing(Entry::app).thenComparing(Entry::stream)
        .thenComparing(Entry::id));
    return found.size() > limit ? List.copyOf(found.subList(0, limit)) : found;
  }

  /** The recording in {@code dir}, when it is one with a playlist. */
  public static Optional<Entry> read(Path dir) throws IOException {
    String id = dir.getFileName().toString();
    Path playlist = dir.resolve(RecordingFiles.PLAYLIST);
    if (!ID.matcher(id).matches() || !Files.isRegularFile(playlist, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    Instant start;
    try {
      start = LocalDateTime.parse(id.substring(0, 16), ID_TIME).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
    long millis = 0;
    int segments = 0;
    boolean finished = false;
    for (String line : Files.readAllLines(playlist)) {
      if (line.startsWith("#EXTINF:")) {
        int comma = line.indexOf(',');
        try {
          millis += Math.round(Double.parseDouble(line.substring(8, comma < 0 ? line.length() : comma)) * 1000);
        } catch (NumberFormatException e) {
          return Optional.empty();
        }
        segments++;
      } else if (line.equals("#EXT-X-ENDLIST")) {
        finished = true;
      }
    }
    long bytes = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        if (!f.getFileName().toString().endsWith(".tmp") && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
          bytes += Files.size(f);
        }
      }
    }
    Path streamDir = dir.getParent();
    return Optional.of(new Entry(streamDir.getParent().getFileName().toString(), streamDir.getFileName().toString(),
        id, start, start.plusMillis(millis), millis, bytes, segments, finished));
  }

  /**
   * The file {@code name} of recording {@code id} of {@code app}/{@code stream} (directory names, as
   * listed), when every name is one the recorder writes and the file exists; otherwise empty.
   */
  public Optional<Path> file(String app, String stream, String id, String name) {
    if (!isName(app) || !isName(stream) || !ID.matcher(id).matches() || !FILE.matcher(name).matches()) {
      return Optional.empty();
    }
    Path file = root.resolve(app).resolve(stream).resolve(id).resolve(name).normalize();
    try {
      // Links are resolved: a link under the root that points out of it is not followed.
      if (!file.startsWith(root) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
          || !file.toRealPath().startsWith(root.toRealPath())) {
        return Optional.empty();
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.of(file);
  }

  private static boolean isName(String s) {
    return NAME.matcher(s).matches() && !s.chars().allMatch(c -> c == '.');
  }

  /** The subdirectories of {@code dir} (not links), or just {@code only} among them. */
  private static List<Path> children(Path dir, String only) throws IOException {
    if (only != null) {
      Path one = dir.resolve(only);
      return Files.isDirectory(one, LinkOption.NOFOLLOW_LINKS) ? List.of(one) : List.of();
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          out.add(p);
        }
      }
    }
    return out;
  }
}
