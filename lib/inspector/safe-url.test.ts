import { describe, expect, it } from "vitest";
import { safeHref } from "./safe-url";

describe("safeHref", () => {
  it.each<[string, string | null]>([
    ["https://example.com/a?b=1#c", "https://example.com/a?b=1#c"],
    ["http://example.com", "http://example.com/"],
    ["  https://example.com/x  ", "https://example.com/x"],
    ["HTTPS://EXAMPLE.COM/", "https://example.com/"],
    ["mailto:someone@example.com", "mailto:someone@example.com"],
    ["javascript:alert(1)", null],
    ["JaVaScRiPt:alert(1)", null],
    [" javascript:alert(1)", null],
    ["java\tscript:alert(1)", null],
    ["java\nscript:alert(1)", null],
    ["javascript&colon;alert(1)", null],
    ["vbscript:msgbox(1)", null],
    ["data:text/html,<script>alert(1)</script>", null],
    ["data:image/png;base64,AAAA", null],
    ["file:///etc/passwd", null],
    ["blob:https://example.com/uuid", null],
    ["/relative/path", null],
    ["relative.html", null],
    ["//evil.example/x", null],
    ["", null],
  ])("%j → %j", (url, href) => {
    expect(safeHref(url)?.href ?? null).toBe(href);
  });

  it.each(["#user-content-fn-1", "#user-content-fnref-2", "#"])("%j is an in-page link", (url) => {
    expect(safeHref(url)).toEqual({ href: url, external: false });
  });

  it("external links are marked external", () => {
    expect(safeHref("https://example.com")?.external).toBe(true);
  });
});
