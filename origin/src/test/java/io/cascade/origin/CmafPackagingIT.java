package io.cascade.origin;

import static io.cascade.testing.PlaybackAssertions.assertCleanPlayback;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.cmaf.CmafPart;
import io.cascade.cmaf.CmafSettings;
import io.cascade.cmaf.Fragmenter;
import io.cascade.cmaf.TrackFormat;
import io.cascade.live.MediaFrame;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.FlvFile;
import io.cascade.testing.PlayReport;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fragmented MP4 packager against a real decoder: ffmpeg 8 writes a short FLV (test pattern and
 * tone) with each codec pair, its tags become media frames as an RTMP publisher's would, the
 * fragmenter makes an init segment and parts, and ffprobe decodes the init segment followed by every
 * part, and the init segment followed by one segment's parts alone.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CmafPackagingIT {
  private static final Logger log = LoggerFactory.getLogger(CmafPackagingIT.class);
  private static final Duration SOURCE = Duration.ofSeconds(4);
  private static final CmafSettings SETTINGS = new CmafSettings(Duration.ofMillis(500), Duration.ofSeconds(2),
      8 << 20);

  private static Ffmpeg ffmpeg;

  @BeforeAll
  static void locate() {
    ffmpeg = Ffmpeg.locate();
  }

  @ParameterizedTest
  @EnumSource(PublishProfile.class)
  void ffprobeDecodesTheInitSegmentAndPartsAndASegmentAlone(PublishProfile profile, @TempDir Path dir) {
    Path flv = dir.resolve(profile + ".flv");
    try (Publisher publisher = ffmpeg.publish(profile, flv.toString(), SOURCE)) {
      assertThat(publisher.awaitExit()).as("ffmpeg exit code\n%s", publisher.describe()).isZero();
    }
    PlayReport source = ffmpeg.probeFile(flv);

    Fragmenter fragmenter = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    List<CmafPart> parts = new ArrayList<>();
    ByteBuf init = null;
    try {
      for (FlvFile.Tag tag : FlvFile.read(flv)) {
        if (tag.type() != 8 && tag.type() != 9) {
          continue;
        }
        MediaFrame frame = tag.toFrame();
        try {
          add(parts, fragmenter.add(frame));
        } finally {
          frame.release();
        }
      }
      add(parts, fragmenter.flush());
      init = fragmenter.initSegment();
      List<String> codecs = fragmenter.formats().stream().map(TrackFormat::codecString).toList();
      log.info("cmaf profile={} codecs={} parts={} dropped={} init={}B", profile, codecs, parts.size(),
          fragmenter.droppedFrames(), init.readableBytes());
      assertThat(codecs).hasSize(2);
      assertThat(codecs.get(0)).startsWith(switch (profile) {
        case H264_AAC -> "avc1.";
        case HEVC_OPUS -> "hvc1.1.6.L";
        case AV1_AAC -> "av01.0.";
      });
      assertThat(codecs.get(1)).isEqualTo(profile.audioCodec().equals("opus") ? "opus" : "mp4a.40.2");
      assertThat(parts).as("parts of a 4 s stream at a 500 ms target").hasSizeGreaterThanOrEqualTo(8);
      assertThat(parts).allSatisfy(p -> assertThat(p.initVersion()).isEqualTo(1));
      List<CmafPart> segmentStarts = parts.stream().filter(CmafPart::startsSegment).toList();
      assertThat(segmentStarts).as("a segment per 2 s GOP").hasSize(2);

      Path whole = write(dir.resolve("whole.mp4"), init, parts);
      PlayReport all = ffmpeg.probeFile(whole);
      log.info("cmaf whole {}", all.summary());
      log.info("cmaf source {}", source.summary());
      assertCleanPlayback(all, profile, SOURCE.minusMillis(300));
      assertThat(all.videoFrames()).as("video frames decoded of %d in the FLV", source.videoFrames())
          .isGreaterThanOrEqualTo((int) Math.ceil(0.9 * source.videoFrames()));
      assertThat(all.audioSamples()).as("audio samples decoded of %d in the FLV", source.audioSamples())
          .isGreaterThanOrEqualTo((long) Math.ceil(0.9 * source.audioSamples()));

      int second = parts.indexOf(segmentStarts.get(1));
      Path segment = write(dir.resolve("segment.mp4"), init, parts.subList(second, parts.size()));
      PlayReport alone = ffmpeg.probeFile(segment);
      log.info("cmaf segment {}", alone.summary());
      assertCleanPlayback(alone, profile, Duration.ofMillis(1_700));
      assertThat(alone.videoFrames()).as("frames of the second 2 s GOP").isGreaterThanOrEqualTo(54);
      assertThat(alone.firstVideoTime()).as("the segment keeps its place on the timeline (s)")
          .isBetween(segmentStarts.get(1).startMillis() / 1000.0 - 0.2, segmentStarts.get(1).startMillis() / 1000.0 + 0.2);
    } finally {
      parts.forEach(CmafPart::release);
      if (init != null) {
        init.release();
      }
      fragmenter.close();
    }
  }

  private static void add(List<CmafPart> parts, CmafPart part) {
    if (part != null) {
      parts.add(part);
    }
  }

  private static Path write(Path file, ByteBuf init, List<CmafPart> parts) {
    try (OutputStream out = Files.newOutputStream(file)) {
      init.getBytes(init.readerIndex(), out, init.readableBytes());
      for (CmafPart part : parts) {
        part.content().getBytes(part.content().readerIndex(), out, part.content().readableBytes());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }
}
