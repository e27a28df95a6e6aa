package io.cascade.testing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Splits an FLV byte stream, fed in whatever pieces a socket delivers, into its header and tags
 * (FLV 10.1, E.2 and E.3), the way an HTTP-FLV player does. It checks every PreviousTagSize and
 * tag type, and counts FLV headers: a live stream has one, at the start, and a second one where a
 * tag should begin would be a server starting the stream over on the same response. The first
 * problem stops the reading; {@link #problem()} says what it was.
 */
public final class FlvTagReader {
  /** One tag: its type (8 audio, 9 video, 18 script data), 32-bit timestamp in ms and body. */
  public record Tag(int type, long timestamp, byte[] body) {
    public boolean isMedia() {
      return type == AUDIO || type == VIDEO;
    }
  }

  public static final int AUDIO = 8;
  public static final int VIDEO = 9;
  public static final int SCRIPT = 18;

  private static final byte[] SIGNATURE = "FLV".getBytes(StandardCharsets.US_ASCII);
  private static final int TAG_HEADER_SIZE = 11;
  private static final int PREVIOUS_TAG_SIZE = 4;
  /** The tag header's DataSize is 24 bits, so no tag is larger than this. */
  private static final int MAX_TAG = TAG_HEADER_SIZE + 0xFFFFFF + PREVIOUS_TAG_SIZE;

  private final Consumer<Tag> tags;
  private byte[] buffer = new byte[64 * 1024];
  private int start;
  private int end;
  private int headers;
  private long tagCount;
  private long bytes;
  private String problem;

  /** {@code tags} gets each complete tag, on the thread that feeds this reader. */
  public FlvTagReader(Consumer<Tag> tags) {
    this.tags = tags;
  }

  /** Takes the next {@code length} bytes of the stream and hands on every tag they complete. */
  public void feed(byte[] data, int offset, int length) {
    if (problem != null) {
      return;
    }
    bytes += length;
    append(data, offset, length);
    while (problem == null && next()) {
      // each call consumes one header or tag
    }
    if (start == end) {
      start = 0;
      end = 0;
    }
  }

  /** FLV headers seen: one on a healthy stream. */
  public int headers() {
    return headers;
  }

  /** Tags read, of every type. */
  public long tags() {
    return tagCount;
  }

  /** Bytes fed so far. */
  public long bytes() {
    return bytes;
  }

  /** What made the reading stop, or null while the stream is well formed. */
  public String problem() {
    return problem;
  }

  /** Consumes one FLV header or one tag when all of it is buffered; false when more bytes are needed. */
  private boolean next() {
    int available = end - start;
    if (available < SIGNATURE.length) {
      return false;
    }
    if (Arrays.equals(buffer, start, start + SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
      return header(available);
    }
    if (headers == 0) {
      problem = "the stream does not start with an FLV header";
      return false;
    }
    return tag(available);
  }

  private boolean header(int available) {
    if (available < 9) {
      return false;
    }
    int dataOffset = readInt(start + 5);
    if (dataOffset < 9 || dataOffset > 1024) {
      problem = "FLV header " + (headers + 1) + " has DataOffset " + dataOffset;
      return false;
    }
    if (available < dataOffset + PREVIOUS_TAG_SIZE) {
      return false;
    }
    int previous = readInt(start + dataOffset);
    if (previous != 0) {
      problem = "PreviousTagSize0 after FLV header " + (headers + 1) + " is " + previous;
      return false;
    }
    headers++;
    start += dataOffset + PREVIOUS_TAG_SIZE;
    return true;
  }

  private boolean tag(int available) {
    if (available < TAG_HEADER_SIZE) {
      return false;
    }
    int first = buffer[start] & 0xff;
    int type = first & 0x1f;
    if ((first & 0xe0) != 0 || (type != AUDIO && type != VIDEO && type != SCRIPT)) {
      problem = String.format("tag %d starts with byte 0x%02x, not an audio, video or script tag", tagCount, first);
      return false;
    }
    int size = readMedium(start + 1);
    int total = TAG_HEADER_SIZE + size + PREVIOUS_TAG_SIZE;
    if (available < total) {
      return false;
    }
    long timestamp = readMedium(start + 4) | ((long) (buffer[start + 7] & 0xff) << 24);
    int previous = readInt(start + TAG_HEADER_SIZE + size);
    if (previous != TAG_HEADER_SIZE + size) {
      problem = "tag " + tagCount + " (type " + type + ", " + size + " bytes) is followed by PreviousTagSize " + previous;
      return false;
    }
    byte[] body = Arrays.copyOfRange(buffer, start + TAG_HEADER_SIZE, start + TAG_HEADER_SIZE + size);
    start += total;
    tagCount++;
    tags.accept(new Tag(type, timestamp, body));
    return true;
  }

  private void append(byte[] data, int offset, int length) {
    if (end + length > buffer.length) {
      int kept = end - start;
      int needed = kept + length;
      if (needed > MAX_TAG + 1024) {
        problem = "more than " + needed + " bytes buffered without a complete tag";
        return;
      }
      byte[] target = needed > buffer.length ? new byte[Math.max(needed, buffer.length * 2)] : buffer;
      System.arraycopy(buffer, start, target, 0, kept);
      buffer = target;
      start = 0;
      end = kept;
    }
    System.arraycopy(data, offset, buffer, end, length);
    end += length;
  }

  private int readMedium(int at) {
    return (buffer[at] & 0xff) << 16 | (buffer[at + 1] & 0xff) << 8 | (buffer[at + 2] & 0xff);
  }

  private int readInt(int at) {
    return (buffer[at] & 0xff) << 24 | readMedium(at + 1);
  }
}
