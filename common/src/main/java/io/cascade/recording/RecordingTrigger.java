package io.cascade.recording;

import io.cascade.server.SessionPolicy;
import io.vertx.core.Future;

/**
 * The origin's policy with recording added: a publish the wrapped policy admits is offered to the
 * {@link Recorder}, which records it if a rule matches and keeps its event loop for a recording the
 * control API starts; its end is told to the recorder too. Everything else is the wrapped policy's.
 */
public final class RecordingTrigger implements SessionPolicy {
  private final SessionPolicy policy;
  private final Recorder recorder;

  private RecordingTrigger(SessionPolicy policy, Recorder recorder) {
    this.policy = policy;
    this.recorder = recorder;
  }

  public static SessionPolicy wrap(SessionPolicy policy, Recorder recorder) {
    return new RecordingTrigger(policy, recorder);
  }

  @Override
  public Future<Void> admitPublish(Request request, PublishHandle handle) {
    return policy.admitPublish(request, handle).onSuccess(v -> recorder.published(request.app(), request.name(),
        handle.eventLoop(), handle));
  }

  @Override
  public void publishEnded(Request request, PublishHandle handle) {
    policy.publishEnded(request, handle);
    recorder.publishEnded(request.app(), request.name(), handle);
  }

  @Override
  public Future<Void> admitPlay(Request request) {
    return policy.admitPlay(request);
  }

  @Override
  public void playEnded(Request request) {
    policy.playEnded(request);
  }

  @Override
  public boolean isRelay(Request request) {
    return policy.isRelay(request);
  }
}
