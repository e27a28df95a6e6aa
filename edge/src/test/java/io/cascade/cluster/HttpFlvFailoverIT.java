package io.cascade.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.SyntheticMedia;
import io.cascade.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link FailoverIT} for an HTTP-FLV viewer: the origin that owns the stream is killed and the
 * broadcaster reconnects to the other origin, while a viewer reads the edge's
 * {@code /{app}/{stream}.flv}. Its response never ends or resets, it never gets a second FLV
 * header, timestamps never go back on either track across the switch, and frames of the new
 * publish arrive within the RTMP failover bound.
 */
class HttpFlvFailoverIT {
  private static final Logger log = LoggerFactory.getLogger(HttpFlvFailoverIT.class);
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(500, 30, 1, true);

  @RegisterExtension
  static final ClusterExtension nodes = new ClusterExtension(Cluster.builder("flv-failover").origins(2).edges(1));
  private final List<StampedPublisher> publishers = new ArrayList<>();

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void httpFlvViewerKeepsItsResponseAcrossTheOwnersCrash() throws Exception {
    ClusterProcess originA = nodes.cluster().origin(0);
    ClusterProcess originB = nodes.cluster().origin(1);
    ClusterProcess edge = nodes.cluster().edge(0);
    String stream = Streams.unique("flv-failover");
    String key = Streams.key(stream);
    String url = "http://127.0.0.1:" + edge.httpPort() + "/" + Streams.APP + "/" + stream + ".flv";
    try {
      publishers.add(StampedPublisher.start(nodes.loops(), originA.rtmpUrl(Streams.APP, stream), PROFILE,
          Duration.ofSeconds(90), "publisher-on-a"));
      try (HttpFlvViewer viewer = HttpFlvViewer.open(url, "httpflv@" + edge.node())) {
        assertThat(viewer.status().get(15, TimeUnit.SECONDS)).as("status of GET %s", url).isEqualTo(200);
        Await.until(Duration.ofSeconds(15), "the viewer receiving from origin A",
            () -> viewer.tally().videoFrames() >= 30, viewer::toString);
        Api.Lookup onA = Api.stream(edge, key);
        assertThat(onA.ownerNode()).isEqualTo(originA.node());

        originA.kill();
        long released = Await.until(Duration.ofSeconds(30), "origin A's record released (key not live on B)",
            () -> Api.stream(originB, key).absent(), () -> "B says " + Api.stream(originB, key));
        Await.until(Duration.ofSeconds(10), "the edge sees the key released", () -> Api.stream(edge, key).absent());
        assertThat(viewer.open()).as("viewer's response after the owner's crash: %s", viewer).isTrue();

        long republishMicros = SyntheticMedia.epochMicros();
        long republishNanos = System.nanoTime();
        viewer.tally().mark(republishMicros);
        long videoBefore = viewer.videoTags();
        long audioBefore = viewer.audioTags();
        publishers.add(StampedPublisher.start(nodes.loops(), originB.rtmpUrl(Streams.APP, stream), PROFILE,
            Duration.ofSeconds(60), "publisher-on-b"));
        // Video and audio each flow again: a second of video, as much audio, stamped by the new publisher.
        Await.until(Duration.ofSeconds(15), "the viewer receiving video and audio of the new publish",
            () -> viewer.videoTags() - videoBefore >= PROFILE.fps() && viewer.audioTags() - audioBefore >= PROFILE.fps()
                && viewer.tally().framesAfterMark() >= 2L * PROFILE.fps(), viewer::toString);
        assertThat(Api.stream(edge, key).ownerNode()).as("owner of %s seen from the edge", key)
            .isEqualTo(originB.node());

        long resumedMillis = (viewer.tally().firstAfterMarkMicros() - republishMicros) / 1000;
        log.info("MEASURED httpflv.failover release_ms={} resume_ms={} longest_tag_gap_ms={} (gap ended {} ms after"
                + " the republish began) viewer={}", released, resumedMillis, viewer.longestGapMillis(),
            (viewer.longestGapEndedNanos() - republishNanos) / 1_000_000, viewer);

        assertThat(released).as("ms from kill -9 to release").isLessThanOrEqualTo(FailoverIT.RELEASE_BOUND.toMillis());
        assertThat(viewer.open()).as("viewer's response still open: %s", viewer).isTrue();
        assertThat(viewer.streamProblem()).as("FLV byte stream problem").isNull();
        assertThat(viewer.flvHeaders()).as("FLV headers sent on the one response").isEqualTo(1);
        assertThat(viewer.timestampRegressions()).as("tag timestamps going back on a track: %s", viewer.firstRegression())
            .isZero();
        assertThat(viewer.tally().sessions()).as("publish sessions received").isEqualTo(2);
        assertThat(resumedMillis).as("ms from the new publish to its first frame on the viewer")
            .isLessThanOrEqualTo(FailoverIT.FAILOVER_BOUND.toMillis());
      }
    } finally {
      publishers.forEach(StampedPublisher::close);
    }
  }
}
