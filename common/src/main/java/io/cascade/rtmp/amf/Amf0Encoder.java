package io.cascade.rtmp.amf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.List;
import java.util.Map;

/**
 * Encodes Java values as AMF0 (see {@code package-info} for the mapping).
 *
 * <p>Any {@link Number} becomes an AMF0 number and any other {@link Map} with string keys an
 * anonymous object. Byte arrays and {@link AmfDictionary} have no AMF0 form and are written as
 * AMF3 behind the AVM+ marker. References are never written: widespread RTMP peers (librtmp,
 * FFmpeg) cannot read them, so a value shared twice is written twice.
 *
 * <p>A value the encoder cannot represent is a programming error: {@link IllegalArgumentException},
 * with the buffer's writer index left where it was.
 */
public final class Amf0Encoder {
  private Amf0Encoder() {}

  public static void encode(ByteBuf out, Object value) {
    int start = out.writerIndex();
    try {
      write(out, value, 0);
    } catch (RuntimeException e) {
      out.writerIndex(start);
      throw e;
    }
  }

  /** Writes the values one after another: a command's name, transaction id and arguments. */
  public static void encodeAll(ByteBuf out, Object... values) {
    int start = out.writerIndex();
    try {
      for (Object value : values) {
        write(out, value, 0);
      }
    } catch (RuntimeException e) {
      out.writerIndex(start);
      throw e;
    }
  }

  static void write(ByteBuf out, Object value, int depth) {
    if (value == null) {
      out.writeByte(Amf0.NULL);
    } else if (value instanceof Number number) {
      out.writeByte(Amf0.NUMBER);
      out.writeDouble(number.doubleValue());
    } else if (value instanceof Boolean bool) {
      out.writeByte(Amf0.BOOLEAN);
      out.writeByte(bool ? 1 : 0);
    } else if (value instanceof CharSequence string) {
      writeString(out, string);
    } else if (value == Amf0.UNDEFINED) {
      out.writeByte(Amf0.UNDEFINED_MARKER);
    } else if (value instanceof byte[] || value instanceof AmfDictionary) {
      out.writeByte(Amf0.AVMPLUS_OBJECT);
      Amf3Encoder.writeSwitched(out, value, depth);
    } else if (value instanceof AmfEcmaArray array) {
      out.writeByte(Amf0.ECMA_ARRAY);
      out.writeInt(array.size());
      writeProperties(out, array, nested(depth));
    } else if (value instanceof Map<?, ?> object) {
      out.writeByte(Amf0.OBJECT);
      writeProperties(out, object, nested(depth));
    } else if (value instanceof List<?> list) {
      int inner = nested(depth);
      out.writeByte(Amf0.STRICT_ARRAY);
      out.writeInt(list.size());
      for (Object element : list) {
        write(out, element, inner);
      }
    } else if (value instanceof AmfTypedObject typed) {
      out.writeByte(Amf0.TYPED_OBJECT);
      writeName(out, typed.className());
      writeProperties(out, typed.properties(), nested(depth));
    } else if (value instanceof AmfDate date) {
      out.writeByte(Amf0.DATE);
      out.writeDouble(date.millis());
      out.writeShort(date.timezone());
    } else if (value instanceof AmfXml xml) {
      out.writeByte(Amf0.XML_DOCUMENT);
      out.writeInt(ByteBufUtil.utf8Bytes(xml.xml()));
      ByteBufUtil.writeUtf8(out, xml.xml());
    } else {
      throw new IllegalArgumentException("no AMF0 encoding for " + value.getClass().getName());
    }
  }

  /** The depth inside a container at {@code depth}; stops a cyclic value before the stack does. */
  static int nested(int depth) {
    if (depth >= AmfLimits.MAX_DEPTH) {
      throw new IllegalArgumentException(
          "value nested deeper than " + AmfLimits.MAX_DEPTH + " levels; is it cyclic?");
    }
    return depth + 1;
  }

  private static void writeString(ByteBuf out, CharSequence string) {
    int length = ByteBufUtil.utf8Bytes(string);
    if (length <= Amf0.MAX_SHORT_STRING) {
      out.writeByte(Amf0.STRING);
      out.writeShort(length);
    } else {
      out.writeByte(Amf0.LONG_STRING);
      out.writeInt(length);
    }
    ByteBufUtil.writeUtf8(out, string);
  }

  private static void writeProperties(ByteBuf out, Map<?, ?> properties, int depth) {
    for (Map.Entry<?, ?> property : properties.entrySet()) {
      if (!(property.getKey() instanceof String name)) {
        throw new IllegalArgumentException(
            "AMF0 property names must be strings: " + property.getKey());
      }
      writeName(out, name);
      write(out, property.getValue(), depth);
    }
    out.writeShort(0);
    out.writeByte(Amf0.OBJECT_END);
  }

  private static void writeName(ByteBuf out, String name) {
    int length = ByteBufUtil.utf8Bytes(name);
    if (length > Amf0.MAX_SHORT_STRING) {
      throw new IllegalArgumentException(
          "AMF0 name longer than " + Amf0.MAX_SHORT_STRING + " UTF-8 bytes: " + length);
    }
    out.writeShort(length);
    ByteBufUtil.writeUtf8(out, name);
  }
}
