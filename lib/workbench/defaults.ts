/** Default selection settings, importable without pulling the session (and its parsers) into the page bundle. */
export { DEFAULT_SETTINGS } from "@/lib/selection/settings";
export { DEFAULT_RANKING, defaultSpec } from "@/lib/selection/spec";
