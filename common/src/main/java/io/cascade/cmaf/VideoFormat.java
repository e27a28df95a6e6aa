package io.cascade.cmaf;

/**
 * What the video formats share: the 90 kHz timescale, the picture size, and a visual sample entry
 * that carries the codec's decoder configuration record as one box.
 */
abstract class VideoFormat implements TrackFormat {
  /** The decoder configuration record as the sequence header carried it. */
  protected final byte[] record;
  private final int width;
  private final int height;
  private final String sampleEntry;
  private final String configBox;

  VideoFormat(byte[] record, int width, int height, String sampleEntry, String configBox) {
    this.record = record;
    this.width = width;
    this.height = height;
    this.sampleEntry = sampleEntry;
    this.configBox = configBox;
  }

  @Override
  public final boolean isVideo() {
    return true;
  }

  @Override
  public final int timescale() {
    return VIDEO_TIMESCALE;
  }

  @Override
  public final int width() {
    return width;
  }

  @Override
  public final int height() {
    return height;
  }

  @Override
  public final void writeSampleEntry(BoxWriter w) {
    SampleEntries.startVisual(w, sampleEntry, width, height);
    w.start(configBox).bytes(record).end();
    w.end();
  }
}
