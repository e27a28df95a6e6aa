package io.cascade.origin;

import static io.cascade.testing.PlaybackAssertions.assertCleanPlayback;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.Playback;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ffmpeg publishes to an in-process origin and ffprobe players decode the live stream: every
 * codec pair the origin relays, several players at once, and a player that joins mid-stream.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PlaybackIT {
  private static final Logger log = LoggerFactory.getLogger(PlaybackIT.class);
  private static final Duration PUBLISH = Duration.ofSeconds(8);
  private static final Duration PLAY = Duration.ofSeconds(5);
  /** A player that asks for 5 s stops at the last frame before the 5 s mark; allow for reordering too. */
  private static final Duration MIN_SPAN = PLAY.minusMillis(500);
  private static final Duration PUBLISH_START_LIMIT = Duration.ofSeconds(20);

  private static Ffmpeg ffmpeg;
  private static OriginNode origin;

  @BeforeAll
  static void startOrigin(Vertx vertx) throws TimeoutException {
    ffmpeg = Ffmpeg.locate();
    origin = InProcessOrigin.start(vertx);
  }

  @AfterAll
  static void stopOrigin() throws TimeoutException {
    InProcessOrigin.stop(origin);
  }

  @ParameterizedTest
  @EnumSource(PublishProfile.class)
  void playerDecodesWhatWasPublished(PublishProfile profile) {
    String url = InProcessOrigin.uniqueStreamUrl(origin, profile.name().toLowerCase(Locale.ROOT));
    try (Publisher publisher = ffmpeg.publish(profile, url, PUBLISH)) {
      awaitSecondsSent(publisher, 1);
      int sentAtStart = publisher.framesSent();
      PlayReport report = play(url);
      log.info("played profile={} publisherFramesAtStart={} {}", profile, sentAtStart, report.summary());
      assertCleanPlayback(report, profile, MIN_SPAN);
      assertPublisherFinished(publisher);
    }
  }

  @Test
  void twoPlayersOnOneStreamBothDecodeIt() {
    PublishProfile profile = PublishProfile.H264_AAC;
    String url = InProcessOrigin.uniqueStreamUrl(origin, "two-players");
    try (Publisher publisher = ffmpeg.publish(profile, url, PUBLISH)) {
      awaitSecondsSent(publisher, 1);
      int sentAtStart = publisher.framesSent();
      PlayReport first;
      PlayReport second;
      try (Playback a = ffmpeg.play(url, PLAY); Playback b = ffmpeg.play(url, PLAY)) {
        first = a.await();
        second = b.await();
      }
      log.info("played player=1 publisherFramesAtStart={} {}", sentAtStart, first.summary());
      log.info("played player=2 publisherFramesAtStart={} {}", sentAtStart, second.summary());
      assertCleanPlayback(first, profile, MIN_SPAN);
      assertCleanPlayback(second, profile, MIN_SPAN);
      assertPublisherFinished(publisher);
    }
  }

  @Test
  void playerJoiningMidStreamStartsOnAKeyframe() {
    PublishProfile profile = PublishProfile.H264_AAC;
    String url = InProcessOrigin.uniqueStreamUrl(origin, "late-joiner");
    // Joins 3.5 s in, between the keyframes at 2 s and 4 s, and must still be served 5 s from there.
    try (Publisher publisher = ffmpeg.publish(profile, url, PUBLISH.plusSeconds(2))) {
      awaitSecondsSent(publisher, 3.5);
      int sentAtStart = publisher.framesSent();
      PlayReport report = play(url);
      log.info("played late joiner publisherFramesAtStart={} {}", sentAtStart, report.summary());
      assertThat(report.firstVideoFrameIsKeyframe())
          .as("first frame a late joiner decodes is a keyframe: %s", report.summary())
          .isTrue();
      assertCleanPlayback(report, profile, MIN_SPAN);
      assertPublisherFinished(publisher);
    }
  }

  /** Waits until the publish is accepted and has been running for {@code seconds} of stream. */
  private static void awaitSecondsSent(Publisher publisher, double seconds) {
    publisher.awaitFramesSent((int) Math.round(seconds * PublishProfile.FPS), PUBLISH_START_LIMIT);
  }

  private static PlayReport play(String url) {
    try (Playback playback = ffmpeg.play(url, PLAY)) {
      return playback.await();
    }
  }

  private static void assertPublisherFinished(Publisher publisher) {
    int exit = publisher.awaitExit();
    log.info("published profile={} target={} framesSent={} exit={}",
        publisher.profile(), publisher.target(), publisher.framesSent(), exit);
    assertThat(exit).as("publisher exit code\n%s", publisher.describe()).isZero();
  }
}
