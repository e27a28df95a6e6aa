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
    // mpegts.js alone is ~170 kB minified; no need to warn about one chunk of that size.
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev` against a node on the default HTTP port.
    proxy: { "/api": "http://127.0.0.1:8080", "^/.+\\.flv$": "http://127.0.0.1:8080" },
  },
});
