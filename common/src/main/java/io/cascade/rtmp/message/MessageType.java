package io.cascade.rtmp.message;

import io.cascade.rtmp.chunk.ChunkControl;

/** RTMP message type ids (RTMP 1.0 sections 5.4, 7.1) and the Enhanced RTMP additions we route. */
public final class MessageType {
  public static final int SET_CHUNK_SIZE = ChunkControl.SET_CHUNK_SIZE;
  public static final int ABORT = ChunkControl.ABORT;
  public static final int ACKNOWLEDGEMENT = 3;
  public static final int USER_CONTROL = 4;
  public static final int WINDOW_ACK_SIZE = 5;
  public static final int SET_PEER_BANDWIDTH = 6;
  public static final int AUDIO = 8;
  public static final int VIDEO = 9;
  public static final int DATA_AMF3 = 15;
  public static final int SHARED_OBJECT_AMF3 = 16;
  public static final int COMMAND_AMF3 = 17;
  public static final int DATA_AMF0 = 18;
  public static final int SHARED_OBJECT_AMF0 = 19;
  public static final int COMMAND_AMF0 = 20;
  public static final int AGGREGATE = 22;

  private MessageType() {
  }

  /** Protocol control messages travel on chunk stream 2, message stream 0. */
  public static boolean isProtocolControl(int type) {
    return type >= SET_CHUNK_SIZE && type <= SET_PEER_BANDWIDTH;
  }

  public static boolean isMedia(int type) {
    return type == AUDIO || type == VIDEO;
  }

  public static String name(int type) {
    switch (type) {
      case SET_CHUNK_SIZE: return "SetChunkSize";
      case ABORT: return "Abort";
      case ACKNOWLEDGEMENT: return "Acknowledgement";
      case USER_CONTROL: return "UserControl";
      case WINDOW_ACK_SIZE: return "WindowAckSize";
      case SET_PEER_BANDWIDTH: return "SetPeerBandwidth";
      case AUDIO: return "Audio";
      case VIDEO: return "Video";
      case DATA_AMF3: return "DataAmf3";
      case SHARED_OBJECT_AMF3: return "SharedObjectAmf3";
      case COMMAND_AMF3: return "CommandAmf3";
      case DATA_AMF0: return "DataAmf0";
      case SHARED_OBJECT_AMF0: return "SharedObjectAmf0";
      case COMMAND_AMF0: return "CommandAmf0";
      case AGGREGATE: return "Aggregate";
      default: return "Unknown(" + type + ")";
    }
  }
}
