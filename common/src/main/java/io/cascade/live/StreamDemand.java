package io.cascade.live;

/**
 * Told when a stream gains its first subscriber or loses its last one. An edge uses it to start
 * one upstream pull per stream and to close it after a grace period; a node whose streams only
 * come from local publishers uses {@link #NONE}.
 *
 * <p>Both callbacks run inside the stream manager's per-key critical section: keep them short
 * (start or cancel something asynchronous) and never call back into the manager from them.
 */
public interface StreamDemand {
  StreamDemand NONE = new StreamDemand() {
    @Override
    public void onActive(LiveStream stream) {
    }

    @Override
    public void onIdle(LiveStream stream) {
    }
  };

  /** The stream went from zero subscribers to one. */
  void onActive(LiveStream stream);

  /** The stream's last subscriber left. */
  void onIdle(LiveStream stream);
}
