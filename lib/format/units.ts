/** Sizes and durations as the panels show them. */

/** `512 B`, `1.5 KB`, `12.0 MB`, `1.25 GB` (binary units). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** Seconds left as `42 s`, `3 min 5 s`, `2 h 10 min`; "–" when unknown. */
export function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return "–";
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** Props that make a file input pick a folder (`webkitdirectory` is not in React's typings; every browser honours it). */
export const DIRECTORY_PROPS = { webkitdirectory: "", directory: "" } as Record<string, string>;
