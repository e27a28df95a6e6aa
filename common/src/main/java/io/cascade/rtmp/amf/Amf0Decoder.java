package io.cascade.rtmp.amf;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decodes AMF0 values (see {@code package-info} for the Java types) from a peer's bytes.
 *
 * <p>Every failure, including input that ends inside a value, is an {@link AmfException}, and the
 * reader index is then left where it was. One call shares one {@link AmfLimits} budget and one
 * reference table across all the values it reads; each AMF3 value behind an AVM+ marker starts
 * fresh AMF3 reference tables, while drawing on the same budget.
 *
 * <p>The ECMA array count is only a hint (encoders disagree about it), so entries are read up to
 * the object-end marker. The unsupported marker decodes as {@link Amf0#UNDEFINED}: it stands for a
 * value the sender could not serialize. Movieclip and recordset are reserved and rejected.
 */
public final class Amf0Decoder {
  private final ByteBuf in;
  private final DecodeContext context;
  private final ReferenceTable objects;

  private Amf0Decoder(ByteBuf in, AmfLimits limits) {
    this.in = in;
    this.context = new DecodeContext(Objects.requireNonNull(limits, "limits"));
    this.objects = new ReferenceTable(context, "AMF0 object");
  }

  /** Reads one value. */
  public static Object decode(ByteBuf in, AmfLimits limits) {
    Amf0Decoder decoder = new Amf0Decoder(in, limits);
    return DecodeContext.run(in, decoder::readValue);
  }

  /** Reads values until the buffer is empty: a command's name, transaction id and arguments. */
  public static List<Object> decodeAll(ByteBuf in, AmfLimits limits) {
    Amf0Decoder decoder = new Amf0Decoder(in, limits);
    return DecodeContext.run(in, () -> {
      List<Object> values = new ArrayList<>();
      while (in.isReadable()) {
        values.add(decoder.readValue());
      }
      return values;
    });
  }

  private Object readValue() {
    return readValue(in.readUnsignedByte());
  }

  private Object readValue(int marker) {
    if (marker == Amf0.AVMPLUS_OBJECT) {
      return Amf3Decoder.readSwitched(in, context);
    }
    context.count(1);
    return switch (marker) {
      case Amf0.NUMBER -> in.readDouble();
      case Amf0.BOOLEAN -> in.readByte() != 0;
      case Amf0.STRING -> context.readUtf8(in, in.readUnsignedShort());
      case Amf0.OBJECT -> readObject();
      case Amf0.NULL -> null;
      case Amf0.UNDEFINED_MARKER, Amf0.UNSUPPORTED -> Amf0.UNDEFINED;
      case Amf0.REFERENCE -> objects.resolve(in.readUnsignedShort());
      case Amf0.ECMA_ARRAY -> readEcmaArray();
      case Amf0.STRICT_ARRAY -> readStrictArray();
      case Amf0.DATE -> new AmfDate(in.readDouble(), in.readShort());
      case Amf0.LONG_STRING -> context.readUtf8(in, in.readUnsignedInt());
      case Amf0.XML_DOCUMENT -> new AmfXml(context.readUtf8(in, in.readUnsignedInt()));
      case Amf0.TYPED_OBJECT -> readTypedObject();
      case Amf0.OBJECT_END -> throw new AmfException("AMF0 object-end marker outside an object");
      case Amf0.MOVIECLIP -> throw new AmfException("AMF0 movieclip type is not supported");
      case Amf0.RECORDSET -> throw new AmfException("AMF0 recordset type is not supported");
      default -> throw new AmfException(String.format("unknown AMF0 type marker 0x%02x", marker));
    };
  }

  private AmfObject readObject() {
    int slot = objects.open();
    AmfObject object = new AmfObject();
    readProperties(object);
    return objects.close(slot, object);
  }

  private AmfTypedObject readTypedObject() {
    int slot = objects.open();
    String className = context.readUtf8(in, in.readUnsignedShort());
    AmfObject properties = new AmfObject();
    readProperties(properties);
    return objects.close(slot, new AmfTypedObject(className, properties));
  }

  private AmfEcmaArray readEcmaArray() {
    in.skipBytes(4);
    int slot = objects.open();
    AmfEcmaArray array = new AmfEcmaArray();
    readProperties(array);
    return objects.close(slot, array);
  }

  private List<Object> readStrictArray() {
    long count = in.readUnsignedInt();
    context.claim(in, count, 1, "AMF0 strict array");
    int slot = objects.open();
    List<Object> list = new ArrayList<>((int) count);
    for (long i = 0; i < count; i++) {
      list.add(readValue());
    }
    return objects.close(slot, list);
  }

  /** Reads name/value pairs up to the empty name followed by the object-end marker. */
  private void readProperties(Map<String, Object> target) {
    while (true) {
      String name = context.readUtf8(in, in.readUnsignedShort());
      int marker = in.readUnsignedByte();
      if (name.isEmpty() && marker == Amf0.OBJECT_END) {
        return;
      }
      target.put(name, readValue(marker));
    }
  }
}
