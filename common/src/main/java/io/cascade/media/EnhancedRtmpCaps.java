package io.cascade.media;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Enhanced RTMP v2 capability negotiation for the {@code connect} command ("Enhancing
 * NetConnection connect Command").
 *
 * <p>The server relays media without decoding it, so it can forward every codec: it states
 * {@code "*": CanForward} in both FourCC info maps, and echoes a client's {@code fourCcList} in
 * full (the intersection of what the client offered and "anything"), including a {@code "*"} entry.
 * In {@code capsEx} it states multitrack (tracks are passed through intact) and ModEx (the media
 * parser skips ModEx prefixes), but not reconnect requests nor nano timestamp offsets, which it
 * relays without applying.
 *
 * <p>Numbers are {@link Double}, strict arrays {@link List} and objects {@link Map}, as the AMF
 * codec expects.
 */
public final class EnhancedRtmpCaps {
  /** Legacy codec list introduced by the original E-RTMP; a strict array of FourCC strings. */
  public static final String FOUR_CC_LIST = "fourCcList";
  public static final String VIDEO_FOUR_CC_INFO_MAP = "videoFourCcInfoMap";
  public static final String AUDIO_FOUR_CC_INFO_MAP = "audioFourCcInfoMap";
  public static final String CAPS_EX = "capsEx";
  /** FourCC key or list entry that stands for any codec. */
  public static final String ANY_CODEC = "*";

  /** FourCcInfoMask. */
  public static final int CAN_DECODE = 0x01;
  public static final int CAN_ENCODE = 0x02;
  public static final int CAN_FORWARD = 0x04;

  /** CapsExMask. */
  public static final int CAPS_RECONNECT = 0x01;
  public static final int CAPS_MULTITRACK = 0x02;
  public static final int CAPS_MOD_EX = 0x04;
  public static final int CAPS_TIMESTAMP_NANO_OFFSET = 0x08;

  /** What this server states in {@code capsEx}. */
  public static final int SERVER_CAPS_EX = CAPS_MULTITRACK | CAPS_MOD_EX;

  private EnhancedRtmpCaps() {
  }

  /**
   * Entries to add to the properties object of the {@code connect} {@code _result}. The info maps
   * and {@code capsEx} are always present: the spec asks the server to state its support, and
   * legacy clients ignore properties they do not know. {@code fourCcList} is present only when the
   * client sent a non-empty one.
   *
   * @param connectCommand the command object of the client's {@code connect}
   */
  public static LinkedHashMap<String, Object> resultProperties(Map<String, ?> connectCommand) {
    LinkedHashMap<String, Object> result = new LinkedHashMap<>();
    List<String> offered = clientFourCcList(connectCommand);
    if (!offered.isEmpty()) {
      result.put(FOUR_CC_LIST, offered);
    }
    result.put(VIDEO_FOUR_CC_INFO_MAP, forwardAny());
    result.put(AUDIO_FOUR_CC_INFO_MAP, forwardAny());
    result.put(CAPS_EX, (double) SERVER_CAPS_EX);
    return result;
  }

  /** True when the client declared any Enhanced RTMP capability (for the connect log line). */
  public static boolean isEnhancedClient(Map<String, ?> connectCommand) {
    return connectCommand.containsKey(FOUR_CC_LIST)
        || connectCommand.containsKey(VIDEO_FOUR_CC_INFO_MAP)
        || connectCommand.containsKey(AUDIO_FOUR_CC_INFO_MAP)
        || connectCommand.containsKey(CAPS_EX);
  }

  /**
   * The client's {@code fourCcList} strings in order without duplicates, empty when absent. A
   * strict array decodes to a {@link List}; an ECMA array sent in its place (the spec asks readers
   * to accept either) decodes to a {@link Map} whose values are taken in order. Entries that are
   * not strings are skipped.
   */
  public static List<String> clientFourCcList(Map<String, ?> connectCommand) {
    Object value = connectCommand.get(FOUR_CC_LIST);
    Collection<?> entries;
    if (value instanceof Collection) {
      entries = (Collection<?>) value;
    } else if (value instanceof Map) {
      entries = ((Map<?, ?>) value).values();
    } else {
      return new ArrayList<>();
    }
    Set<String> fourCcs = new LinkedHashSet<>();
    for (Object entry : entries) {
      if (entry instanceof String) {
        fourCcs.add((String) entry);
      }
    }
    return new ArrayList<>(fourCcs);
  }

  private static Map<String, Object> forwardAny() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put(ANY_CODEC, (double) CAN_FORWARD);
    return map;
  }
}
