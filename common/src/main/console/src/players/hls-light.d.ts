// hls.js publishes its light ESM build under the "hls.js/light" export without a declaration file of
// its own; the light build has the full build's API minus optional controllers (alternate audio,
// subtitles, EME, CMCD, interstitials), none of which the console uses.
declare module "hls.js/light" {
  export * from "hls.js";
  export { default } from "hls.js";
}
