import { describe, expect, it } from "vitest";
import type { Element, Root, RootContent } from "hast";
import { unified } from "unified";
import remarkParse from "remark-parse";
import remarkRehype from "remark-rehype";
import { matchRanges } from "@/lib/selection/search";
import { ALLOWED_ELEMENTS, LINK_REL, markdownPlugins, type MarkdownPluginOptions } from "./markdown";

// The pipeline as react-markdown 10 runs it: remark-parse, the remark plugins, remark-rehype with
// `allowDangerousHtml: true` (react-markdown's fixed option), the rehype plugins.
function render(markdown: string, options?: MarkdownPluginOptions): Root {
  const { remarkPlugins, rehypePlugins } = markdownPlugins(options);
  const processor = unified()
    .use(remarkParse)
    .use(remarkPlugins)
    .use(remarkRehype, { allowDangerousHtml: true })
    .use(rehypePlugins);
  return processor.runSync(processor.parse(markdown)) as Root;
}

function elements(node: Root | RootContent): Element[] {
  const own = node.type === "element" ? [node] : [];
  const children = "children" in node ? node.children.flatMap(elements) : [];
  return [...own, ...children];
}

function textOf(node: Root | RootContent): string {
  if (node.type === "text") return node.value;
  return "children" in node ? node.children.map(textOf).join("") : "";
}

const classes = (e: Element) => (e.properties.className as string[] | undefined) ?? [];

describe("raw HTML in the data", () => {
  it.each([
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "<iframe src=https://evil.example></iframe>",
    "text <svg onload=alert(1)> inline",
    "<div>\n\n**bold** inside\n\n</div>",
    "<!-- comment --> <?php echo 1; ?> <![CDATA[x]]>",
  ])("%j stays text: no HTML node, no element from it", (markdown) => {
    const tree = render(markdown);
    const names = elements(tree).map((e) => e.tagName);
    for (const bad of ["script", "img", "iframe", "svg", "div"]) expect(names).not.toContain(bad);
    for (const e of elements(tree)) expect(Object.keys(e.properties).some((k) => /^on/i.test(k))).toBe(false);
    expect(JSON.stringify(tree)).not.toContain('"type":"raw"');
    // The characters are all there to read (markdown may still format the text between the tags).
    expect(textOf(tree)).toContain(markdown.match(/<[a-z!?][^>]*>/i)![0]);
  });
});

describe("links", () => {
  it.each([
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox)",
    "[x](/relative)",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
  ])("%j is inert and shows its target", (markdown) => {
    const tree = render(markdown);
    const links = elements(tree).filter((e) => e.tagName === "a");
    expect(links).toEqual([]);
    const inert = elements(tree).find((e) => classes(e).includes("md-link-inert"));
    expect(inert && textOf(inert)).toBe("x");
    expect(textOf(tree)).toMatch(/^x \(.+\)$/);
  });

  it("an https link opens in a new tab, without opener or referrer, with its target after the text", () => {
    const tree = render("see [the docs](https://example.com/a?b=1) now");
    const [a] = elements(tree).filter((e) => e.tagName === "a");
    expect(a.properties).toEqual({ href: "https://example.com/a?b=1", target: "_blank", rel: LINK_REL });
    expect(textOf(tree)).toBe("see the docs (https://example.com/a?b=1) now");
  });

  it.each(["<https://example.com>", "https://example.com", "www.example.com", "<mailto:a@example.com>"])(
    "the autolink %j is not followed by its target again",
    (markdown) => {
      const tree = render(markdown);
      expect(elements(tree).filter((e) => e.tagName === "a")).toHaveLength(1);
      expect(textOf(tree)).toBe(markdown.replace(/[<>]/g, ""));
    },
  );

  it("footnote links stay in-page links", () => {
    const tree = render("a claim[^1]\n\n[^1]: the source");
    const hrefs = elements(tree)
      .filter((e) => e.tagName === "a")
      .map((e) => ({ href: String(e.properties.href), target: e.properties.target }));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const { href, target } of hrefs) {
      expect(href.startsWith("#")).toBe(true);
      expect(target).toBeUndefined();
    }
  });
});

describe("images", () => {
  it.each<[string, string, boolean]>([
    ["![a cat](https://example.com/cat.png)", "image: a cat https://example.com/cat.png", true],
    ["![](https://example.com/cat.png)", "image https://example.com/cat.png", true],
    ["![x](javascript:alert(1))", "image: x javascript:alert(1)", false],
    ["![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)", "image: x data:image/svg+xml;base64,", false],
  ])("%j is a placeholder, never an <img>", (markdown, shown, linked) => {
    const tree = render(markdown);
    expect(elements(tree).map((e) => e.tagName)).not.toContain("img");
    expect(textOf(tree).startsWith(shown)).toBe(true);
    expect(elements(tree).some((e) => e.tagName === "a")).toBe(linked);
  });
});

describe("markdown", () => {
  it("renders GFM tables, lists, headings and highlighted code", () => {
    const tree = render(
      [
        "# Title",
        "",
        "- one",
        "- two",
        "",
        "| a | b |",
        "|---|---|",
        "| 1 | 2 |",
        "",
        "```python",
        "def f(x):",
        "    return x",
        "```",
        "",
        "~~gone~~ and - [x] done",
      ].join("\n"),
    );
    const names = elements(tree).map((e) => e.tagName);
    for (const want of ["h1", "ul", "li", "table", "thead", "tbody", "td", "pre", "code", "del"]) {
      expect(names).toContain(want);
    }
    const code = elements(tree).find((e) => e.tagName === "code")!;
    expect(classes(code)).toEqual(expect.arrayContaining(["hljs", "language-python"]));
    expect(elements(code).some((e) => classes(e).includes("hljs-keyword"))).toBe(true);
  });

  it.each(["```nosuchlanguage\nx = 1\n```", "```\nx = 1\n```", "```text\nx = 1\n```"])(
    "%j renders as unhighlighted code without throwing",
    (markdown) => {
      const code = elements(render(markdown)).find((e) => e.tagName === "code")!;
      expect(elements(code).filter((e) => e !== code)).toEqual([]);
      expect(textOf(code)).toBe("x = 1\n");
    },
  );

  it("produces only allowed elements on a mixed sample", () => {
    const tree = render(
      "# h\n\n> q\n\n1. a\n2. b\n\n---\n\n*e* **s** `c` x[^n]  \nbreak\n\n[^n]: note\n\n| t |\n|---|\n| ~~d~~ |\n\n- [ ] task\n\n```js\nconst a = 1;\n```",
      { ranges: (t) => matchRanges(t, { query: "a", regex: false, caseSensitive: false }) },
    );
    for (const e of elements(tree)) expect(ALLOWED_ELEMENTS).toContain(e.tagName);
  });
});

describe("search marks", () => {
  const ranges = (query: string) => (t: string) => matchRanges(t, { query, regex: false, caseSensitive: false });

  it.each<[string, string, string[]]>([
    ["find the Needle in text", "needle", ["Needle"]],
    ["needle *needle* `needle`", "needle", ["needle", "needle", "needle"]],
    ["```js\nconst needle = 1;\n```", "needle", ["needle"]],
    ["[a needle](https://example.com/needle)", "needle", ["needle", "needle"]],
    ["nothing here", "needle", []],
  ])("%j marks %j", (markdown, query, marked) => {
    const tree = render(markdown, { ranges: ranges(query) });
    expect(
      elements(tree)
        .filter((e) => e.tagName === "mark")
        .map(textOf),
    ).toEqual(marked);
    // Marking never loses or reorders text.
    expect(textOf(tree)).toBe(textOf(render(markdown)));
  });
});
