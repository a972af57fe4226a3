/**
 * Which link targets from the data the inspector keeps clickable. Everything else (javascript:, data:, vbscript:,
 * file:, blob:, relative paths that would resolve against this app) stays visible as text but gets no href.
 */

/** Schemes a link from the data may open (in a new tab, on click only). */
export const SAFE_PROTOCOLS: readonly string[] = ["http:", "https:", "mailto:"];

/** A link target the inspector may render: `external` ones open in a new tab, `#fragment` ones stay on the page. */
export type SafeHref = { href: string; external: boolean };

/**
 * The clickable form of `url`, or null when it must stay inert. Parsed with the WHATWG URL parser — the browser's own
 * — so obfuscations such as `JaVaScRiPt:`, leading spaces or tabs inside the scheme (`java\tscript:`) are seen the
 * way the browser would see them, rather than by a regex that the browser disagrees with.
 */
export function safeHref(url: string): SafeHref | null {
  const trimmed = url.trim();
  // Footnote references and back-references of GFM (`#user-content-fn-1`): in-page, no navigation away.
  if (/^#[\w-]*$/.test(trimmed)) return { href: trimmed, external: false };
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return null;
  }
  if (!SAFE_PROTOCOLS.includes(parsed.protocol)) return null;
  return { href: parsed.href, external: true };
}
