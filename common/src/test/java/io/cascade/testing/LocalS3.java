package io.cascade.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.TransientApiMetadata;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;

/**
 * A real S3 API server for tests: S3Proxy in this JVM on a free loopback port, over jclouds'
 * in-memory store (chosen by its metadata, so no other provider is loaded), with one bucket and
 * one key pair (AWS signature v2 or v4). What the ITs read back goes through the store directly.
 */
public final class LocalS3 implements AutoCloseable {
  private final BlobStoreContext context;
  private final S3Proxy proxy;
  private final String bucket;
  private final int port;

  private LocalS3(BlobStoreContext context, S3Proxy proxy, String bucket, int port) {
    this.context = context;
    this.proxy = proxy;
    this.bucket = bucket;
    this.port = port;
  }

  /** Starts the server with {@code bucket} made; waits (bounded) until it answers. */
  public static LocalS3 start(String bucket, String accessKey, String secretKey) throws Exception {
    return start(bucket, accessKey, secretKey, freePort());
  }

  /**
   * Like {@link #start(String, String, String)}, on {@code port}: a test that points a node at the
   * store before it runs (uploads failing meanwhile) takes one from {@link #freePort}.
   */
  public static LocalS3 start(String bucket, String accessKey, String secretKey, int port) throws Exception {
    BlobStoreContext context = ContextBuilder.newBuilder(new TransientApiMetadata()).credentials("local", "local")
        .build(BlobStoreContext.class);
    context.getBlobStore().createContainerInLocation(null, bucket);
    S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore())
        .endpoint(URI.create("http://127.0.0.1:" + port))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey).build();
    proxy.start();
    Await.until(Duration.ofSeconds(20), "S3Proxy started", () -> proxy.getState().equals("STARTED"));
    return new LocalS3(context, proxy, bucket, port);
  }

  /** A loopback port nothing listens on at the moment. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:PORT}, for path-style requests. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public BlobStore blobs() {
    return context.getBlobStore();
  }

  /** The bucket's keys under {@code prefix}, sorted. */
  public List<String> keys(String prefix) {
    return blobs().list(bucket, ListContainerOptions.Builder.prefix(prefix).recursive()).stream()
        .map(StorageMetadata::getName).filter(n -> n.startsWith(prefix)).sorted().toList();
  }

  /** The stored bytes of {@code key}. */
  public byte[] read(String key) throws IOException {
    try (InputStream in = blobs().getBlob(bucket, key).getPayload().openStream()) {
      return in.readAllBytes();
    }
  }

  @Override
  public void close() throws Exception {
    try {
      proxy.stop();
    } finally {
      context.close();
    }
  }
}
