/**
 * Media payload inspection for routing: classification of FLV audio/video tag bodies (legacy and
 * Enhanced RTMP), aggregate message splitting, and Enhanced RTMP connect capabilities. Nothing here
 * decodes media; payloads pass through untouched.
 */
package io.cascade.media;
