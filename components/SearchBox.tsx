"use client";
import { useState } from "react";
import { useWorkbench, currentSpec } from "@/components/workbench-store";
import type { SearchGate } from "@/lib/selection/spec";

/** DOM id of the "Search pairs" input: the "/" shortcut (components/KeyboardShortcuts.tsx) focuses it. */
export const SEARCH_INPUT_ID = "search-pairs";

/**
 * "Search pairs": a text gate over prompt, chosen and rejected (substring or regex); Enter applies, empty clears, Esc
 * clears and hands the keys back to the page's shortcuts.
 */
export default function SearchBox() {
  const spec = useWorkbench((s) => currentSpec(s));
  const setSearch = useWorkbench((s) => s.setSearch);
  const active = spec.gates.find((g): g is SearchGate => g.kind === "search");
  const [text, setText] = useState(active?.query ?? "");
  const [regex, setRegex] = useState(active?.regex ?? false);
  const [caseSensitive, setCaseSensitive] = useState(active?.caseSensitive ?? false);
  // An outside change (chip removed, undo) resets the box to the clause in force.
  const [seen, setSeen] = useState(active);
  if (seen !== active) {
    setSeen(active);
    setText(active?.query ?? "");
    if (active) {
      setRegex(active.regex);
      setCaseSensitive(active.caseSensitive);
    }
  }
  const apply = (query = text, r = regex, c = caseSensitive) => setSearch(query, { regex: r, caseSensitive: c });
  return (
    <form
      className="search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        apply();
      }}
    >
      <input
        id={SEARCH_INPUT_ID}
        type="search"
        aria-label="Search pairs"
        aria-keyshortcuts="/"
        placeholder="Search pairs (Enter)"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value === "" && active) apply("");
        }}
        onKeyDown={(e) => {
          if (e.key !== "Escape") return;
          // Not left to the browser: what Esc does in a search field differs between engines. This clears the box
          // and the search clause alike, and leaving the box lets the next key be a shortcut again (j, ?, …).
          e.preventDefault();
          setText("");
          if (active) apply("");
          e.currentTarget.blur();
        }}
      />
      <label title="Treat the text as a JavaScript regular expression">
        <input
          type="checkbox"
          checked={regex}
          onChange={(e) => {
            setRegex(e.target.checked);
            if (active) apply(text, e.target.checked, caseSensitive);
          }}
        />
        Regex
      </label>
      <label>
        <input
          type="checkbox"
          checked={caseSensitive}
          onChange={(e) => {
            setCaseSensitive(e.target.checked);
            if (active) apply(text, regex, e.target.checked);
          }}
        />
        Match case
      </label>
    </form>
  );
}
