import { defineConfig } from "vite";

// The Maven build passes --outDir (common's target/classes/io/cascade/console); `npm run build`
// alone writes dist/. Hashed file names under assets/ let the server mark them immutable.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    // Each player is a chunk of its own, loaded when first used (src/player-panel.ts): mpegts.js's
    // ~280 kB, hls.js's light build ~375 kB minified; warn if one grows well past that (the full
    // hls.js build is ~220 kB more).
    chunkSizeWarningLimit: 450,
  },
  server: {
    // `npm run dev` against a node on the default HTTP port.
    proxy: {
      "/api": "http://127.0.0.1:8080",
      "^/.+\\.flv$": "http://127.0.0.1:8080",
      // LL-HLS: playlists, init segments, parts and segments (with their _HLS_ query parameters).
      "^/.+\\.(m3u8|mp4|m4s)(\\?.*)?$": "http://127.0.0.1:8080",
    },
  },
});
