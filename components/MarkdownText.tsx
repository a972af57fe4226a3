"use client";
import { Component, memo, useDeferredValue, useMemo, useState, type ReactNode } from "react";
import Markdown, { type Components } from "react-markdown";
import { ALLOWED_ELEMENTS, markdownPlugins } from "@/lib/inspector/markdown";
import { formatChars, MARKDOWN_MAX_DEPTH, planMarkdown } from "@/lib/inspector/size";
import { matchRanges } from "@/lib/selection/search";
import type { SearchGate } from "@/lib/selection/spec";

/** The fields of a search gate that decide what is highlighted. */
export type TextSearch = Pick<SearchGate, "query" | "regex" | "caseSensitive">;

/** Text with the search's matches wrapped in <mark> (React text nodes only: markup in the data is shown as is). */
export function HighlightedText({ text, search }: { text: string; search: TextSearch | undefined }) {
  const ranges = search ? matchRanges(text, search) : [];
  if (ranges.length === 0) return <>{text}</>;
  const parts: ReactNode[] = [];
  let at = 0;
  ranges.forEach(([a, b], i) => {
    if (a > at) parts.push(text.slice(at, a));
    parts.push(<mark key={i}>{text.slice(a, b)}</mark>);
    at = b;
  });
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}

function PlainText({ text, search }: { text: string; search: TextSearch | undefined }) {
  return (
    <div className="md-plain">
      <HighlightedText text={text} search={search} />
    </div>
  );
}

// Headings from the data sit below the inspector's own (h2 "Pair N", h3 "Prompt"), so the page outline stays ours.
const COMPONENTS: Components = {
  h1: ({ node: _node, ...props }) => <h4 className="md-h1" {...props} />,
  h2: ({ node: _node, ...props }) => <h5 className="md-h2" {...props} />,
  h3: ({ node: _node, ...props }) => <h6 className="md-h3" {...props} />,
  h4: ({ node: _node, ...props }) => <h6 className="md-h4" {...props} />,
  h5: ({ node: _node, ...props }) => <h6 className="md-h5" {...props} />,
  h6: ({ node: _node, ...props }) => <h6 className="md-h6" {...props} />,
  table: ({ node: _node, ...props }) => (
    <div className="md-table">
      <table {...props} />
    </div>
  ),
};

/** Parses and renders one text; memoised on primitives so a decision or a mask change does not re-parse it. */
const RenderedMarkdown = memo(function RenderedMarkdown({
  text,
  query,
  regex,
  caseSensitive,
}: { text: string } & Partial<TextSearch>) {
  const plugins = useMemo(
    () =>
      markdownPlugins(
        query ? { ranges: (t) => matchRanges(t, { query, regex: !!regex, caseSensitive: !!caseSensitive }) } : {},
      ),
    [query, regex, caseSensitive],
  );
  return (
    <Markdown
      remarkPlugins={plugins.remarkPlugins}
      rehypePlugins={plugins.rehypePlugins}
      allowedElements={ALLOWED_ELEMENTS}
      unwrapDisallowed
      components={COMPONENTS}
    >
      {text}
    </Markdown>
  );
});

/** Falls back to plain text should the parser throw (e.g. a stack overflow on input the size checks let through). */
class MarkdownBoundary extends Component<{ fallback: ReactNode; children: ReactNode }, { failed: boolean }> {
  state = { failed: false };
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }
  render() {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}

/**
 * Texts longer than this first show as plain text and are rendered as markdown in a deferred (interruptible)
 * render, so opening a row or clicking another one never waits for the parser; shorter ones render at once
 * rather than flash.
 */
const DEFER_CHARS = 4000;

/** Props of {@link MarkdownText}. */
export interface MarkdownTextProps {
  text: string;
  search?: TextSearch;
  /** Show the text exactly as in the data (the inspector's "Show raw text"). */
  raw?: boolean;
}

/**
 * One message of a pair: markdown rendered safely (lib/inspector/markdown.ts), plain text when raw is asked for, and
 * plain text with a notice when the text is too long (with "Render markdown anyway") or too deeply nested.
 */
export default function MarkdownText({ text, search, raw = false }: MarkdownTextProps) {
  const plan = useMemo(() => planMarkdown(text), [text]);
  const [forced, setForced] = useState(false);
  const markdown = !raw && (plan.render || (forced && plan.reason === "size"));
  const rendered = useDeferredValue(markdown, text.length > DEFER_CHARS ? false : markdown);
  const plain = <PlainText text={text} search={search} />;

  if (!markdown) {
    if (raw || plan.render) return plain;
    return (
      <>
        <p className="md-notice" role="note">
          {plan.reason === "size"
            ? `Long text (${formatChars(plan.chars)}): shown as plain text so the page stays responsive.`
            : `Nested over ${MARKDOWN_MAX_DEPTH} levels deep (${formatChars(plan.chars)}): shown as plain text; ` +
              "rendering it as markdown could freeze the page."}{" "}
          {plan.reason === "size" && (
            <button type="button" onClick={() => setForced(true)}>
              Render markdown anyway
            </button>
          )}
        </p>
        {plain}
      </>
    );
  }
  if (!rendered) return plain;
  return (
    <MarkdownBoundary
      fallback={
        <>
          <p className="md-notice" role="note">
            This text could not be rendered as markdown: shown as plain text.
          </p>
          {plain}
        </>
      }
    >
      <div className="md">
        <RenderedMarkdown
          text={text}
          query={search?.query}
          regex={search?.regex}
          caseSensitive={search?.caseSensitive}
        />
      </div>
    </MarkdownBoundary>
  );
}
