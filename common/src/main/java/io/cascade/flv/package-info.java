/** FLV as an output format: tags packaged once per stream, the per-connection header. */
package io.cascade.flv;
