package io.cascade.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlayReportTest {
  private static PlayReport report(double... videoTimes) {
    PlayReport.Tally tally = new PlayReport.Tally();
    tally.accept("stream|codec_type=video|codec_name=h264|width=640|height=360");
    for (double t : videoTimes) {
      tally.accept("frame|media_type=video|key_frame=0|pict_type=P|best_effort_timestamp_time=" + t);
      tally.accept("frame|media_type=audio|best_effort_timestamp_time=" + t + "|nb_samples=1024");
    }
    return new PlayReport("test", 0, Duration.ZERO, List.of(), "", tally);
  }

  @Test
  void theLongestStepBetweenVideoFramesIsReported() {
    assertThat(report(0.0, 0.033, 0.067, 0.567, 0.600).maxVideoGapSeconds()).isCloseTo(0.5, within());
    assertThat(report(1.0, 1.033, 1.067).maxVideoGapSeconds()).isCloseTo(0.034, within());
  }

  @Test
  void fewerThanTwoFramesHaveNoGap() {
    assertThat(report().maxVideoGapSeconds()).isZero();
    assertThat(report(3.0).maxVideoGapSeconds()).isZero();
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }
}
