"use client";
import { useState } from "react";
import { useWorkbench, currentSpec } from "@/components/workbench-store";
import type { SearchGate } from "@/lib/selection/spec";

/** "Search pairs": a text gate over prompt, chosen and rejected (substring or regex); Enter applies, empty clears. */
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
        type="search"
        aria-label="Search pairs"
        placeholder="Search pairs (Enter)"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value === "" && active) apply("");
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
