package io.cascade.rtmp.amf;

/** AMF0 type markers (AMF0 specification, section 2.1) and the undefined value. */
public final class Amf0 {
  /** ActionScript {@code undefined}, not {@code null}; AMF3 undefined decodes to it too. */
  public static final Undefined UNDEFINED = Undefined.INSTANCE;

  public static final int NUMBER = 0x00;
  public static final int BOOLEAN = 0x01;
  public static final int STRING = 0x02;
  public static final int OBJECT = 0x03;
  public static final int MOVIECLIP = 0x04;
  public static final int NULL = 0x05;
  public static final int UNDEFINED_MARKER = 0x06;
  public static final int REFERENCE = 0x07;
  public static final int ECMA_ARRAY = 0x08;
  public static final int OBJECT_END = 0x09;
  public static final int STRICT_ARRAY = 0x0A;
  public static final int DATE = 0x0B;
  public static final int LONG_STRING = 0x0C;
  public static final int UNSUPPORTED = 0x0D;
  public static final int RECORDSET = 0x0E;
  public static final int XML_DOCUMENT = 0x0F;
  public static final int TYPED_OBJECT = 0x10;
  /** Switches to AMF3 for the one value that follows (section 3.1). */
  public static final int AVMPLUS_OBJECT = 0x11;

  /** Longest UTF-8 string the short string type holds; longer ones use the long string type. */
  public static final int MAX_SHORT_STRING = 0xFFFF;

  private Amf0() {}

  /** The type of {@link #UNDEFINED}. */
  public enum Undefined {
    INSTANCE;

    @Override
    public String toString() {
      return "undefined";
    }
  }
}
