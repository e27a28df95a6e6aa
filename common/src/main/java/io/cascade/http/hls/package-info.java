/**
 * LL-HLS and HLS (fMP4/CMAF) from every node's HTTP port: one packaging session per stream per
 * node ({@link io.cascade.http.hls.HlsSession}) keeps a bounded window of init segments, parts and
 * segments in memory and answers playlists, blocking reloads and part requests from it.
 */
package io.cascade.http.hls;
