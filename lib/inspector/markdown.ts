/**
 * The inspector's markdown pipeline (remark → rehype plugins for react-markdown), kept apart from React so its safety
 * rules are unit-tested in Node: raw HTML is never even tokenised as HTML, links from the data are inert unless
 * their target is http(s)/mailto and then open in a new tab with their target written next to them, images are never
 * loaded (a text placeholder with the address instead), and search matches are wrapped in `<mark>`.
 */
import type { Element, ElementContent, Parents, Root, Text } from "hast";
import type { Pluggable, PluggableList, Processor } from "unified";
// remark-parse declares `micromarkExtensions` on unified's `Data` (react-markdown runs it first).
import type {} from "remark-parse";
import remarkGfm from "remark-gfm";
import rehypeHighlight from "rehype-highlight";
import { safeHref } from "./safe-url";

/**
 * Turns off micromark's HTML constructs (`htmlFlow`, `htmlText`), so `<script>`, `<img onerror=…>` or `<a href=…>`
 * in the data are plain text from the first step on. react-markdown alone would also print them as text (it turns
 * `raw` nodes into text without rehype-raw), but then the safety would hang on no one ever adding rehype-raw; here
 * there is no HTML node for any later plugin to parse.
 */
export function remarkTextOnlyHtml(this: Processor): void {
  const data = this.data();
  (data.micromarkExtensions ??= []).push({ disable: { null: ["htmlFlow", "htmlText"] } });
}

/** `rel` of every external link from the data. */
export const LINK_REL = ["noopener", "noreferrer", "nofollow"];

const text = (value: string): Text => ({ type: "text", value });
const span = (className: string, children: ElementContent[], title?: string): Element => ({
  type: "element",
  tagName: "span",
  properties: title ? { className: [className], title } : { className: [className] },
  children,
});

function textContent(node: ElementContent): string {
  if (node.type === "text") return node.value;
  if (node.type === "element") return node.children.map(textContent).join("");
  return "";
}

// An autolink (`<https://x>`, `www.x.com`) already shows its target.
function showsTarget(label: string, target: string): boolean {
  const bare = (s: string) =>
    s
      .trim()
      .replace(/^(https?:\/\/|mailto:)/i, "")
      .replace(/\/$/, "")
      .toLowerCase();
  return bare(label) === bare(target);
}

function linkTarget(target: string): Element {
  return span("md-link-target", [text(` (${target})`)]);
}

function safeLink(href: string, children: ElementContent[]): Element {
  return {
    type: "element",
    tagName: "a",
    properties: { href, target: "_blank", rel: [...LINK_REL] },
    children,
  };
}

// Replaces an <a> or <img> by what the inspector shows for it; other elements are returned unchanged.
function inert(node: Element): ElementContent[] {
  if (node.tagName === "img") {
    const src = String(node.properties.src ?? "");
    const alt = String(node.properties.alt ?? "");
    const safe = safeHref(src);
    const label = span("md-image", [text(alt ? `image: ${alt}` : "image")], "image from the data, not loaded");
    if (!src) return [label];
    return [label, text(" "), safe?.external ? safeLink(safe.href, [text(src)]) : span("md-link-inert", [text(src)])];
  }
  if (node.tagName === "a") {
    const raw = String(node.properties.href ?? "");
    const safe = safeHref(raw);
    if (safe && !safe.external) return [{ ...node, properties: { ...node.properties, href: safe.href } }];
    const label = textContent(node);
    const after = showsTarget(label, raw) ? [] : [linkTarget(raw)];
    if (!safe) return [span("md-link-inert", node.children, "link not opened: unsafe target"), ...after];
    return [safeLink(safe.href, node.children), ...after];
  }
  return [node];
}

function walkInert(parent: Parents): void {
  const out: (typeof parent.children)[number][] = [];
  for (const child of parent.children) {
    if (child.type !== "element") {
      out.push(child);
      continue;
    }
    walkInert(child);
    out.push(...inert(child));
  }
  parent.children = out as typeof parent.children;
}

/** rehype plugin: links and images from the data as described in the module comment. */
export function rehypeInertLinks() {
  return (tree: Root): void => walkInert(tree);
}

/** Options of {@link rehypeMarks}. */
export interface MarkOptions {
  /** Ranges [start, end) to mark in one text node (e.g. lib/selection/search `matchRanges`). */
  ranges: (text: string) => [number, number][];
}

function splitMarks(node: Text, ranges: [number, number][]): ElementContent[] {
  const out: ElementContent[] = [];
  let at = 0;
  for (const [a, b] of ranges) {
    if (a < at || b <= a) continue;
    if (a > at) out.push(text(node.value.slice(at, a)));
    out.push({ type: "element", tagName: "mark", properties: {}, children: [text(node.value.slice(a, b))] });
    at = b;
  }
  if (at < node.value.length) out.push(text(node.value.slice(at)));
  return out;
}

function walkMarks(parent: Parents, ranges: MarkOptions["ranges"]): void {
  const out: (typeof parent.children)[number][] = [];
  for (const child of parent.children) {
    if (child.type === "text") {
      const found = ranges(child.value);
      if (found.length) out.push(...splitMarks(child, found));
      else out.push(child);
    } else {
      if (child.type === "element" && child.tagName !== "mark") walkMarks(child, ranges);
      out.push(child);
    }
  }
  parent.children = out as typeof parent.children;
}

/** rehype plugin: wraps the search's matches inside each text node in `<mark>` (after highlighting, so code too). */
export function rehypeMarks(options: MarkOptions) {
  return (tree: Root): void => walkMarks(tree, options.ranges);
}

/**
 * Every element the pipeline may produce (GFM, highlight spans, footnotes, marks); react-markdown's
 * `allowedElements` drops anything else, a second fence should a future plugin emit e.g. an `<img>` or `<iframe>`.
 */
export const ALLOWED_ELEMENTS: readonly string[] = [
  "a",
  "blockquote",
  "br",
  "code",
  "del",
  "em",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "hr",
  "input",
  "li",
  "mark",
  "ol",
  "p",
  "pre",
  "section",
  "span",
  "strong",
  "sup",
  "table",
  "tbody",
  "td",
  "th",
  "thead",
  "tr",
  "ul",
];

/** Options of {@link markdownPlugins}. */
export interface MarkdownPluginOptions {
  /** Search matches to mark; none when absent. */
  ranges?: MarkOptions["ranges"];
}

/** The remark and rehype plugin lists of the inspector's react-markdown, in order. */
export function markdownPlugins(options: MarkdownPluginOptions = {}): {
  remarkPlugins: PluggableList;
  rehypePlugins: PluggableList;
} {
  const rehypePlugins: Pluggable[] = [
    // Only fenced code with a language is highlighted: auto-detection runs every grammar on every block.
    [rehypeHighlight, { detect: false, plainText: ["text", "txt", "plain"] }],
    rehypeInertLinks,
  ];
  if (options.ranges) rehypePlugins.push([rehypeMarks, { ranges: options.ranges }]);
  return { remarkPlugins: [remarkTextOnlyHtml, remarkGfm], rehypePlugins };
}
