package io.cascade.rtmp.message;

import java.util.List;

/**
 * An RTMP command message (types 20 and 17): name, transaction id, command object, arguments.
 *
 * @param name e.g. {@code connect}, {@code publish}
 * @param transactionId 0 when the sender expects no reply
 * @param commandObject an AMF object or {@code null}
 * @param arguments the values after the command object
 */
public record Command(String name, double transactionId, Object commandObject, List<Object> arguments) {

  /** The i-th argument after the command object, or null when absent. */
  public Object argument(int i) {
    return i < arguments.size() ? arguments.get(i) : null;
  }

  /** The i-th argument as a string, or null when absent or not a string. */
  public String stringArgument(int i) {
    return argument(i) instanceof String s ? s : null;
  }

  /** The i-th argument as a number, or {@code fallback} when absent or not a number. */
  public double numberArgument(int i, double fallback) {
    return argument(i) instanceof Number n ? n.doubleValue() : fallback;
  }

  /** The i-th argument as a boolean, or {@code fallback} when absent or not a boolean. */
  public boolean booleanArgument(int i, boolean fallback) {
    return argument(i) instanceof Boolean b ? b : fallback;
  }
}
