package io.cascade.bench;

import io.cascade.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * nginx-rtmp as {@link RecordingBench}'s server in the {@code nginx-off} and {@code nginx-record}
 * modes: the Debian nginx with libnginx-mod-rtmp (as origin/bench/compare.sh installs it), one
 * worker, application {@code bench} live, and with {@code record all} every publish written as one
 * FLV file ({@code record_unique on}) under {@code recordings/}: what nginx-rtmp's recording costs
 * under the same publishers, for scale. It writes through the page cache and never fsyncs.
 */
final class NginxRecorder {
  static final Path MODULE = Path.of("/usr/lib/nginx/modules/ngx_rtmp_module.so");

  private NginxRecorder() {
  }

  /** Starts nginx on loopback {@code port} with its files under {@code dir}; the master process. */
  static Process start(Path dir, int port, boolean record) throws IOException {
    if (!Files.isRegularFile(MODULE)) {
      throw new IllegalStateException(MODULE + " is missing: apt-get install nginx libnginx-mod-rtmp");
    }
    Path logs = Files.createDirectories(dir.resolve("logs"));
    Path recordings = Files.createDirectories(dir.resolve("recordings"));
    // The worker runs as nobody when the master is root.
    Files.setPosixFilePermissions(recordings, PosixFilePermissions.fromString("rwxrwxrwx"));
    String recordConf = record
        ? "record all; record_path " + recordings.toAbsolutePath() + "; record_unique on;"
        : "";
    String conf = """
        daemon off;
        load_module %s;
        worker_processes 1;
        pid %s;
        error_log %s warn;
        events { worker_connections 4096; }
        rtmp {
          server {
            listen 127.0.0.1:%d;
            chunk_size 4096;
            application bench {
              live on;
              %s
            }
          }
        }
        """.formatted(MODULE, dir.resolve("nginx.pid").toAbsolutePath(), logs.resolve("error.log").toAbsolutePath(),
        port, recordConf);
    Path file = dir.resolve("nginx.conf");
    Files.writeString(file, conf);
    return new ProcessBuilder("nginx", "-p", dir.toAbsolutePath().toString(), "-c", file.toAbsolutePath().toString())
        .redirectErrorStream(true).redirectOutput(logs.resolve("stdout.log").toFile()).start();
  }

  /** The master and its workers. */
  static long[] pids(Process master) {
    return Stream.concat(Stream.of(master.toHandle()), master.children()).mapToLong(ProcessHandle::pid).toArray();
  }

  /** Bytes of the files under {@code dir} (0 when there is none or it cannot be read now). */
  static long bytesUnder(Path dir) {
    try {
      return Files.isDirectory(dir) ? TestFiles.bytesUnder(dir) : 0;
    } catch (IOException e) {
      return 0; // a file removed while walking: the next reading counts again
    }
  }
}
