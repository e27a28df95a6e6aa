package org.jclouds.s3.domain;

import org.jclouds.blobstore.domain.Tier;

/**
 * Test-only stand-in for the one type S3Proxy takes from jclouds' S3 API module, which the build
 * leaves out (S3Proxy's provider jars are excluded, and the module is not in the offline
 * repository): S3Proxy names an object's storage class with it when it answers a GET or HEAD of
 * an object. Without it those requests fail with 500 (NoClassDefFoundError); the tests that read
 * objects back through the S3 API ({@code ObjectStore.get}) need them.
 */
public interface ObjectMetadata {

  /** The S3 storage classes S3Proxy maps jclouds' tiers to and from. */
  enum StorageClass {
    STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, REDUCED_REDUNDANCY, GLACIER, GLACIER_IR, DEEP_ARCHIVE;

    public static StorageClass fromTier(Tier tier) {
      return switch (tier) {
        case INFREQUENT, COOL -> STANDARD_IA;
        case COLD -> GLACIER_IR;
        case ARCHIVE -> DEEP_ARCHIVE;
        default -> STANDARD;
      };
    }

    public Tier toTier() {
      return switch (this) {
        case STANDARD_IA, ONEZONE_IA -> Tier.INFREQUENT;
        case GLACIER_IR -> Tier.COLD;
        case GLACIER, DEEP_ARCHIVE -> Tier.ARCHIVE;
        default -> Tier.STANDARD;
      };
    }
  }
}
