package io.cascade.rtmp.message;

import java.util.List;

/** An RTMP data message (types 18 and 15): a handler name followed by values, e.g. onMetaData. */
public record DataMessage(String name, List<Object> values) {
  /** The publisher-side wrapper that asks the server to keep the frame that follows it. */
  public static final String SET_DATA_FRAME = "@setDataFrame";
  public static final String CLEAR_DATA_FRAME = "@clearDataFrame";
  public static final String ON_METADATA = "onMetaData";
}
