package io.cascade.rtmp.amf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes Java values as AMF3 (see {@code package-info} for the mapping), each top-level value with
 * its own reference tables, as {@link Amf3Decoder} reads them.
 *
 * <p>Strings and traits are sent by reference when repeated; objects never are, so a value shared
 * twice is written twice. Integral {@code Integer}, {@code Long}, {@code Short} and {@code Byte}
 * values within the 29-bit range use the integer type, every other number the double type.
 * {@link AmfObject} and other string-keyed maps become anonymous dynamic objects, {@link
 * AmfTypedObject} a sealed object of its class, {@link AmfEcmaArray} an array of named entries
 * only, and a {@link List} a dense array. AMF3 cannot tell an empty ECMA array from an empty
 * list, so an empty {@link AmfEcmaArray} comes back as an empty list.
 *
 * <p>A value the encoder cannot represent is a programming error: {@link IllegalArgumentException},
 * with the buffer's writer index left where it was.
 */
public final class Amf3Encoder {
  private final ByteBuf out;
  private final Map<String, Integer> strings = new HashMap<>();
  private final Map<Amf3Traits, Integer> traits = new HashMap<>();

  private Amf3Encoder(ByteBuf out) {
    this.out = out;
  }

  public static void encode(ByteBuf out, Object value) {
    int start = out.writerIndex();
    try {
      new Amf3Encoder(out).write(value, 0);
    } catch (RuntimeException e) {
      out.writerIndex(start);
      throw e;
    }
  }

  public static void encodeAll(ByteBuf out, Object... values) {
    int start = out.writerIndex();
    try {
      for (Object value : values) {
        new Amf3Encoder(out).write(value, 0);
      }
    } catch (RuntimeException e) {
      out.writerIndex(start);
      throw e;
    }
  }

  /** Writes the value after an AMF0 AVM+ marker. */
  static void writeSwitched(ByteBuf out, Object value, int depth) {
    new Amf3Encoder(out).write(value, depth);
  }

  private void write(Object value, int depth) {
    if (value == null) {
      out.writeByte(Amf3.NULL);
    } else if (value == Amf0.UNDEFINED) {
      out.writeByte(Amf3.UNDEFINED);
    } else if (value instanceof Boolean bool) {
      out.writeByte(bool ? Amf3.TRUE : Amf3.FALSE);
    } else if (value instanceof Number number) {
      writeNumber(number);
    } else if (value instanceof CharSequence string) {
      out.writeByte(Amf3.STRING);
      writeString(string.toString());
    } else if (value instanceof byte[] bytes) {
      out.writeByte(Amf3.BYTE_ARRAY);
      writeU29(lengthField(bytes.length));
      out.writeBytes(bytes);
    } else if (value instanceof AmfDate date) {
      out.writeByte(Amf3.DATE);
      writeU29(1);
      out.writeDouble(date.millis());
    } else if (value instanceof AmfXml xml) {
      out.writeByte(Amf3.XML);
      writeU29(lengthField(ByteBufUtil.utf8Bytes(xml.xml())));
      ByteBufUtil.writeUtf8(out, xml.xml());
    } else if (value instanceof List<?> list) {
      writeList(list, Amf0Encoder.nested(depth));
    } else if (value instanceof AmfEcmaArray array) {
      writeEcmaArray(array, Amf0Encoder.nested(depth));
    } else if (value instanceof AmfDictionary dictionary) {
      writeDictionary(dictionary, Amf0Encoder.nested(depth));
    } else if (value instanceof Map<?, ?> object) {
      writeAnonymousObject(object, Amf0Encoder.nested(depth));
    } else if (value instanceof AmfTypedObject typed) {
      writeTypedObject(typed, Amf0Encoder.nested(depth));
    } else {
      throw new IllegalArgumentException("no AMF3 encoding for " + value.getClass().getName());
    }
  }

  private void writeNumber(Number number) {
    boolean integral = number instanceof Integer || number instanceof Long
        || number instanceof Short || number instanceof Byte;
    long value = number.longValue();
    if (integral && value >= Amf3.MIN_INTEGER && value <= Amf3.MAX_INTEGER) {
      out.writeByte(Amf3.INTEGER);
      writeU29((int) value & 0x1FFFFFFF);
    } else {
      out.writeByte(Amf3.DOUBLE);
      out.writeDouble(number.doubleValue());
    }
  }

  private void writeList(List<?> list, int depth) {
    out.writeByte(Amf3.ARRAY);
    writeU29(lengthField(list.size()));
    writeString("");
    for (Object element : list) {
      write(element, depth);
    }
  }

  private void writeEcmaArray(AmfEcmaArray array, int depth) {
    out.writeByte(Amf3.ARRAY);
    writeU29(lengthField(0));
    for (Map.Entry<String, Object> entry : array.entrySet()) {
      writeMemberName(entry.getKey());
      write(entry.getValue(), depth);
    }
    writeString("");
  }

  private void writeDictionary(AmfDictionary dictionary, int depth) {
    out.writeByte(Amf3.DICTIONARY);
    writeU29(lengthField(dictionary.size()));
    out.writeByte(0);
    for (Map.Entry<Object, Object> entry : dictionary.entrySet()) {
      write(entry.getKey(), depth);
      write(entry.getValue(), depth);
    }
  }

  private void writeAnonymousObject(Map<?, ?> object, int depth) {
    out.writeByte(Amf3.OBJECT);
    writeTraits(Amf3Traits.ANONYMOUS);
    for (Map.Entry<?, ?> entry : object.entrySet()) {
      if (!(entry.getKey() instanceof String name)) {
        throw new IllegalArgumentException(
            "AMF3 property names must be strings: " + entry.getKey());
      }
      writeMemberName(name);
      write(entry.getValue(), depth);
    }
    writeString("");
  }

  private void writeTypedObject(AmfTypedObject typed, int depth) {
    out.writeByte(Amf3.OBJECT);
    List<String> names = new ArrayList<>(typed.properties().keySet());
    writeTraits(new Amf3Traits(typed.className(), names, false));
    for (Object propertyValue : typed.properties().values()) {
      write(propertyValue, depth);
    }
  }

  private void writeTraits(Amf3Traits objectTraits) {
    Integer index = traits.get(objectTraits);
    if (index != null) {
      writeU29(index << 2 | 0b01);
      return;
    }
    traits.put(objectTraits, traits.size());
    int header = objectTraits.sealed().size() << 4 | (objectTraits.dynamic() ? 0b1000 : 0) | 0b011;
    writeU29(header);
    writeString(objectTraits.className());
    for (String name : objectTraits.sealed()) {
      writeString(name);
    }
  }

  /** The empty string ends dynamic members and named array entries, so it cannot name one. */
  private void writeMemberName(String name) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("AMF3 cannot encode an empty dynamic member name");
    }
    writeString(name);
  }

  /** UTF-8-vr: a reference to an earlier string, or its length and bytes. */
  private void writeString(String string) {
    if (string.isEmpty()) {
      writeU29(1);
      return;
    }
    Integer index = strings.get(string);
    if (index != null) {
      writeU29(index << 1);
      return;
    }
    strings.put(string, strings.size());
    writeU29(lengthField(ByteBufUtil.utf8Bytes(string)));
    ByteBufUtil.writeUtf8(out, string);
  }

  /** A U29 holding {@code length} next to the flag that says a value, not a reference, follows. */
  private static int lengthField(int length) {
    if (length > Amf3.MAX_LENGTH) {
      throw new IllegalArgumentException("AMF3 length over " + Amf3.MAX_LENGTH + ": " + length);
    }
    return length << 1 | 1;
  }

  private void writeU29(int value) {
    if (value < 0x80) {
      out.writeByte(value);
    } else if (value < 0x4000) {
      out.writeByte(value >> 7 | 0x80);
      out.writeByte(value & 0x7F);
    } else if (value < 0x20_0000) {
      out.writeByte(value >> 14 | 0x80);
      out.writeByte(value >> 7 & 0x7F | 0x80);
      out.writeByte(value & 0x7F);
    } else {
      out.writeByte(value >> 22 | 0x80);
      out.writeByte(value >> 15 & 0x7F | 0x80);
      out.writeByte(value >> 8 & 0x7F | 0x80);
      out.writeByte(value & 0xFF);
    }
  }
}
