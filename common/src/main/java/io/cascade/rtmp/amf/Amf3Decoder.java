package io.cascade.rtmp.amf;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decodes AMF3 values (see {@code package-info} for the Java types) from a peer's bytes.
 *
 * <p>The same guarantees as {@link Amf0Decoder}: only {@link AmfException} escapes, the reader
 * index is restored on failure, and nothing is allocated for a claim that exceeds the limits or
 * the bytes present. Each top-level value has its own string, traits and object tables (as
 * {@code ByteArray.readObject} does); the {@link AmfLimits} budget spans the whole call.
 *
 * <p>Integers decode as {@code Double}, like every number. Vectors decode as lists (their fixed
 * flag and element type name are dropped); an array without named entries decodes as a list,
 * otherwise as an {@link AmfEcmaArray} whose dense entries follow the named ones under keys
 * {@code "0"}, {@code "1"}, ... Externalizable objects are rejected: only class-specific code can
 * read their bytes.
 */
public final class Amf3Decoder {
  private final ByteBuf in;
  private final DecodeContext context;
  private final List<String> strings = new ArrayList<>();
  private final List<Amf3Traits> traits = new ArrayList<>();
  private final ReferenceTable objects;

  private Amf3Decoder(ByteBuf in, DecodeContext context) {
    this.in = in;
    this.context = context;
    this.objects = new ReferenceTable(context, "AMF3 object");
  }

  /** Reads one value. */
  public static Object decode(ByteBuf in, AmfLimits limits) {
    DecodeContext context = new DecodeContext(Objects.requireNonNull(limits, "limits"));
    return DecodeContext.run(in, () -> new Amf3Decoder(in, context).readValue());
  }

  /** Reads values until the buffer is empty. */
  public static List<Object> decodeAll(ByteBuf in, AmfLimits limits) {
    DecodeContext context = new DecodeContext(Objects.requireNonNull(limits, "limits"));
    return DecodeContext.run(in, () -> {
      List<Object> values = new ArrayList<>();
      while (in.isReadable()) {
        values.add(new Amf3Decoder(in, context).readValue());
      }
      return values;
    });
  }

  /** Reads the value after an AMF0 AVM+ marker, within the AMF0 call's budget. */
  static Object readSwitched(ByteBuf in, DecodeContext context) {
    return new Amf3Decoder(in, context).readValue();
  }

  private Object readValue() {
    int marker = in.readUnsignedByte();
    context.count(1);
    return switch (marker) {
      case Amf3.UNDEFINED -> Amf0.UNDEFINED;
      case Amf3.NULL -> null;
      case Amf3.FALSE -> Boolean.FALSE;
      case Amf3.TRUE -> Boolean.TRUE;
      case Amf3.INTEGER -> (double) (readU29() << 3 >> 3);
      case Amf3.DOUBLE -> in.readDouble();
      case Amf3.STRING -> readString();
      case Amf3.XML_DOCUMENT, Amf3.XML -> readXml();
      case Amf3.DATE -> readDate();
      case Amf3.ARRAY -> readArray();
      case Amf3.OBJECT -> readObject();
      case Amf3.BYTE_ARRAY -> readByteArray();
      case Amf3.VECTOR_INT -> readIntVector(true);
      case Amf3.VECTOR_UINT -> readIntVector(false);
      case Amf3.VECTOR_DOUBLE -> readDoubleVector();
      case Amf3.VECTOR_OBJECT -> readObjectVector();
      case Amf3.DICTIONARY -> readDictionary();
      default -> throw new AmfException(String.format("unknown AMF3 type marker 0x%02x", marker));
    };
  }

  /** Variable-length unsigned 29-bit integer: 7 bits per byte for three bytes, then 8. */
  private int readU29() {
    int value = 0;
    for (int i = 0; i < 3; i++) {
      int b = in.readUnsignedByte();
      if ((b & 0x80) == 0) {
        return value << 7 | b;
      }
      value = value << 7 | b & 0x7F;
    }
    return value << 8 | in.readUnsignedByte();
  }

  private String readString() {
    int header = readU29();
    if ((header & 1) == 0) {
      int index = header >>> 1;
      if (index >= strings.size()) {
        throw new AmfException("AMF3 string reference #" + index + " points past the "
            + strings.size() + " strings read so far");
      }
      return strings.get(index);
    }
    int length = header >>> 1;
    if (length == 0) {
      return "";
    }
    context.checkTableRoom(strings.size(), "AMF3 string");
    String string = context.readUtf8(in, length);
    strings.add(string);
    return string;
  }

  private Object readXml() {
    int header = readU29();
    if ((header & 1) == 0) {
      return objects.resolve(header >>> 1);
    }
    return objects.add(new AmfXml(context.readUtf8(in, header >>> 1)));
  }

  private Object readDate() {
    int header = readU29();
    if ((header & 1) == 0) {
      return objects.resolve(header >>> 1);
    }
    return objects.add(new AmfDate(in.readDouble()));
  }

  private Object readByteArray() {
    int header = readU29();
    if ((header & 1) == 0) {
      return objects.resolve(header >>> 1);
    }
    int length = header >>> 1;
    context.claimBytes(in, length, "AMF3 byte array");
    byte[] bytes = new byte[length];
    in.readBytes(bytes);
    return objects.add(bytes);
  }

  private Object readArray() {
    int header = readU29();
    if ((header & 1) == 0) {
      return objects.resolve(header >>> 1);
    }
    int denseCount = header >>> 1;
    int slot = objects.open();
    AmfEcmaArray associative = null;
    for (String key = readString(); !key.isEmpty(); key = readString()) {
      if (associative == null) {
        associative = new AmfEcmaArray();
      }
      associative.put(key, readValue());
    }
    context.claim(in, denseCount, 1, "AMF3 array");
    if (associative == null) {
      List<Object> list = new ArrayList<>(denseCount);
      for (int i = 0; i < denseCount; i++) {
        list.add(readValue());
      }
      return objects.close(slot, list);
    }
    for (int i = 0; i < denseCount; i++) {
      associative.put(Integer.toString(i), readValue());
    }
    return objects.close(slot, associative);
  }

  private Object readObject() {
    int header = readU29();
    if ((header & 1) == 0) {
      return objects.resolve(header >>> 1);
    }
    Amf3Traits objectTraits = readTraits(header);
    int slot = objects.open();
    AmfObject properties = new AmfObject();
    for (String name : objectTraits.sealed()) {
      properties.put(name, readValue());
    }
    if (objectTraits.dynamic()) {
      for (String name = readString(); !name.isEmpty(); name = readString()) {
        properties.put(name, readValue());
      }
    }
    String className = objectTraits.className();
    return objects.close(slot,
        className.isEmpty() ? properties : new AmfTypedObject(className, properties));
  }

  private Amf3Traits readTraits(int header) {
    if ((header & 2) == 0) {
      int index = header >>> 2;
      if (index >= traits.size()) {
        throw new AmfException("AMF3 traits reference #" + index + " points past the "
            + traits.size() + " traits read so far");
      }
      return traits.get(index);
    }
    if ((header & 4) != 0) {
      throw new AmfException("AMF3 externalizable not supported: class '" + readString() + "'");
    }
    boolean dynamic = (header & 8) != 0;
    int sealedCount = header >>> 4;
    String className = readString();
    // Each sealed member costs at least a name byte here and a value byte after the traits.
    context.claim(in, sealedCount, 2, "AMF3 traits");
    List<String> sealed = new ArrayList<>(sealedCount);
    for (int i = 0; i < sealedCount; i++) {
      String name = readString();
      // An anonymous object decodes to a map that can only be written back with dynamic members,
      // which the empty string cannot name; no ActionScript class has such a member.
      if (name.isEmpty() && className.isEmpty()) {
        throw new AmfException("anonymous AMF3 object with a sealed member named by the empty string");
      }
      sealed.add(name);
    }
    context.checkTableRoom(traits.size(), "AMF3 traits");
    Amf3Traits result = new Amf3Traits(className, List.copyOf(sealed), dynamic);
    traits.add(result);
    return result;
  }

  private Object readIntVector(boolean signed) {
    int header = readU29();
    if ((header & 1) == 0) {
      return objects.resolve(header >>> 1);
    }
    int count = header >>> 1;
    in.skipBytes(1);
    context.claim(in, count, 4, "AMF3 int vector");
    int slot = objects.open();
    context.count(count);
    List<Object> list = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      list.add(signed ? (double) in.readInt() : (double) in.readUnsignedInt());
    }
    return objects.close(slot, list);
  }

  private Object readDoubleVector() {
    int header = readU29();
    if ((header & 1) == 0) {
      return objects.resolve(header >>> 1);
    }
    int count = header >>> 1;
    in.skipBytes(1);
    context.claim(in, count, 8, "AMF3 double vector");
    int slot = objects.open();
    context.count(count);
    List<Object> list = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      list.add(in.readDouble());
    }
    return objects.close(slot, list);
  }

  private Object readObjectVector() {
    int header = readU29();
    if ((header & 1) == 0) {
      return objects.resolve(header >>> 1);
    }
    int count = header >>> 1;
    in.skipBytes(1);
    readString();
    context.claim(in, count, 1, "AMF3 object vector");
    int slot = objects.open();
    List<Object> list = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      list.add(readValue());
    }
    return objects.close(slot, list);
  }

  private Object readDictionary() {
    int header = readU29();
    if ((header & 1) == 0) {
      return objects.resolve(header >>> 1);
    }
    int count = header >>> 1;
    in.skipBytes(1);
    // Keys are values too: two values per entry.
    context.claim(in, 2L * count, 1, "AMF3 dictionary");
    int slot = objects.open();
    AmfDictionary dictionary = new AmfDictionary();
    for (int i = 0; i < count; i++) {
      Object key = readValue();
      dictionary.put(key, readValue());
    }
    return objects.close(slot, dictionary);
  }
}
