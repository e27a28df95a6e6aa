package io.cascade.config;

/**
 * When recorded files reach the disk ({@code recording.fsync}). A killed process (kill -9) loses
 * the same in both modes: the open segment, left behind as a {@code .tmp} file, because closed
 * files are in the page cache already; the modes differ when the machine itself fails.
 */
public enum FsyncPolicy {
  /** Leave it to the kernel's writeback: a power loss or kernel crash can lose the last ~30 s of closed segments. */
  NONE,
  /** fsync each segment before its rename and the directory after it: a power loss loses only the open segment. */
  SEGMENT
}
