package io.cascade.rtmp.message;

import io.cascade.rtmp.amf.AmfObject;

/** NetConnection/NetStream status codes and the info objects that carry them (onStatus, _result). */
public final class NetStatus {
  public static final String CONNECT_SUCCESS = "NetConnection.Connect.Success";
  public static final String CONNECT_REJECTED = "NetConnection.Connect.Rejected";
  public static final String CALL_FAILED = "NetConnection.Call.Failed";
  public static final String PUBLISH_START = "NetStream.Publish.Start";
  public static final String PUBLISH_BAD_NAME = "NetStream.Publish.BadName";
  public static final String UNPUBLISH_SUCCESS = "NetStream.Unpublish.Success";
  public static final String PLAY_RESET = "NetStream.Play.Reset";
  public static final String PLAY_START = "NetStream.Play.Start";
  public static final String PLAY_STOP = "NetStream.Play.Stop";
  public static final String PLAY_STREAM_NOT_FOUND = "NetStream.Play.StreamNotFound";
  public static final String PLAY_FAILED = "NetStream.Play.Failed";
  public static final String PLAY_PUBLISH_NOTIFY = "NetStream.Play.PublishNotify";
  public static final String PLAY_UNPUBLISH_NOTIFY = "NetStream.Play.UnpublishNotify";
  public static final String PAUSE_NOTIFY = "NetStream.Pause.Notify";
  public static final String UNPAUSE_NOTIFY = "NetStream.Unpause.Notify";
  public static final String DATA_START = "NetStream.Data.Start";

  public static final String STATUS = "status";
  public static final String ERROR = "error";

  private NetStatus() {
  }

  public static AmfObject info(String level, String code, String description) {
    AmfObject o = new AmfObject();
    o.put("level", level);
    o.put("code", code);
    o.put("description", description);
    return o;
  }

  public static AmfObject status(String code, String description) {
    return info(STATUS, code, description);
  }

  public static AmfObject error(String code, String description) {
    return info(ERROR, code, description);
  }
}
