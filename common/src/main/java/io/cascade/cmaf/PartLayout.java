package io.cascade.cmaf;

/**
 * How a part's bytes are laid out in its {@link CmafPart#content()}.
 *
 * <p>LL-HLS serves one part to every viewer of a node, many times, so its part is one contiguous
 * buffer: one copy of each sample when the part is cut, then one iovec per socket write. A recording
 * writes each part once, to one file, so copying every sample into a new ~0.5 MB buffer (and
 * allocating it, outside any pool at that size) is pure cost; its part is the {@code moof} and
 * {@code mdat} header in a small buffer followed by the samples' own buffers (retained slices of
 * the frame bodies), written with one gathering write.
 */
public enum PartLayout {
  /** One buffer holding the whole fragment. */
  CONTIGUOUS,
  /** A composite: the fragment's header, then each sample's retained slice, no copy of media. */
  GATHERED
}
