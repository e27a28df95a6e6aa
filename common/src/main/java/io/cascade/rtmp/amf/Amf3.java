package io.cascade.rtmp.amf;

/** AMF3 type markers (AMF3 specification, section 3.1) and the ranges of its U29 fields. */
public final class Amf3 {
  public static final int UNDEFINED = 0x00;
  public static final int NULL = 0x01;
  public static final int FALSE = 0x02;
  public static final int TRUE = 0x03;
  public static final int INTEGER = 0x04;
  public static final int DOUBLE = 0x05;
  public static final int STRING = 0x06;
  public static final int XML_DOCUMENT = 0x07;
  public static final int DATE = 0x08;
  public static final int ARRAY = 0x09;
  public static final int OBJECT = 0x0A;
  public static final int XML = 0x0B;
  public static final int BYTE_ARRAY = 0x0C;
  public static final int VECTOR_INT = 0x0D;
  public static final int VECTOR_UINT = 0x0E;
  public static final int VECTOR_DOUBLE = 0x0F;
  public static final int VECTOR_OBJECT = 0x10;
  public static final int DICTIONARY = 0x11;

  /** Smallest value of the integer type; smaller integers travel as doubles. */
  public static final int MIN_INTEGER = -(1 << 28);
  /** Largest value of the integer type; larger integers travel as doubles. */
  public static final int MAX_INTEGER = (1 << 28) - 1;
  /** Largest length, count or index a U29 field holds next to its one flag bit. */
  public static final int MAX_LENGTH = (1 << 28) - 1;

  private Amf3() {}
}
