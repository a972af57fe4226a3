/** Default selection settings, importable without pulling the session (and its parsers) into the page bundle. */
import type { SelectionSettings } from "@/lib/workbench/session";

/** The paper's released selection: M_AP, w = 1, top 40 %, random seed 42. */
export const DEFAULT_SETTINGS: SelectionSettings = { metric: "map", weight: 1, seed: 42, ratio: 0.4 };
