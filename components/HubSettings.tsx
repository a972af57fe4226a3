"use client";
import { useState, type ReactNode } from "react";
import { useScoring } from "@/components/scoring-store";

/**
 * "Hub settings": the Hub endpoint and token shared by the model loader and the dataset loader (one store), so a
 * dataset may be opened from the Hub before any model. `hint` says what the settings resolve to where it is shown.
 */
export default function HubSettings({
  tokenPlaceholder,
  hint,
}: {
  tokenPlaceholder: string;
  hint: (endpoint: string) => ReactNode;
}) {
  const endpoint = useScoring((s) => s.hubEndpoint);
  const token = useScoring((s) => s.hubToken);
  const setHub = useScoring((s) => s.setHub);
  // The endpoint applies on blur or Enter, so a half-typed URL is never used.
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <details>
      <summary>Hub settings</summary>
      <label>
        Hub endpoint
        <input
          type="url"
          aria-label="Hub endpoint"
          value={draft ?? endpoint}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              e.currentTarget.blur();
            }
          }}
          onBlur={() => {
            if (draft !== null) setHub({ endpoint: draft });
            setDraft(null);
          }}
        />
      </label>
      <label>
        Hub token
        <input
          type="password"
          aria-label="Hub token"
          autoComplete="off"
          placeholder={tokenPlaceholder}
          value={token}
          onChange={(e) => setHub({ token: e.target.value })}
        />
      </label>
      <p className="hint">{hint(endpoint)}</p>
    </details>
  );
}
