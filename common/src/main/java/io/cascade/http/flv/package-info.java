/** HTTP-FLV and WebSocket-FLV: live streams played over the node's HTTP port. */
package io.cascade.http.flv;
