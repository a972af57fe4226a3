"use client";
import { useState } from "react";
import { useScoring } from "@/components/scoring-store";
import type { InspectedPair, InspectedResponse } from "@/lib/scoring/protocol";

/** Redder = less likely: opacity grows with −log p, saturating at −8 (p ≈ 3e-4). */
function shade(logp: number): string {
  const a = Math.min(0.85, Math.max(0, -logp / 8) * 0.85);
  return `rgba(239, 68, 68, ${a.toFixed(3)})`;
}

/** The ids as the model reads them, BOS and EOS marked. */
function Ids({ ids, bos, eos }: { ids: readonly number[]; bos: number | null; eos: number | null }) {
  return (
    <>
      {ids.map((id, i) => {
        const mark = id === bos && id === eos ? "BOS/EOS" : id === bos ? "BOS" : id === eos ? "EOS" : null;
        return (
          <span key={i}>
            {i > 0 && " "}
            {mark ? <mark title={`${mark} token`}>{`${mark}:${id}`}</mark> : id}
          </span>
        );
      })}
    </>
  );
}

function Side({
  name,
  side,
  bos,
  eos,
}: {
  name: "chosen" | "rejected";
  side: InspectedResponse;
  bos: number | null;
  eos: number | null;
}) {
  return (
    <section aria-label={`Token log-probs of ${name}`}>
      <h4>
        {name === "chosen" ? "Chosen" : "Rejected"}:{" "}
        <span data-testid={`token-sum-${name}`}>
          sum {side.sumLogp.toFixed(4)} · mean {side.meanLogp.toFixed(4)} · {side.tokens.length} tokens
        </span>
      </h4>
      {/* Token texts are React text nodes: markup in the data is shown, never executed. */}
      <p className="tokens" data-testid={`token-logps-${name}`}>
        {side.tokens.map((t, i) => (
          <span
            key={i}
            title={`${JSON.stringify(t.text)} · log p ${t.logp.toFixed(4)}`}
            style={{ background: shade(t.logp) }}
          >
            {t.text}
          </span>
        ))}
      </p>
      <details className="token-ids">
        <summary>Token ids</summary>
        <p className="ids" data-testid={`token-ids-${name}`}>
          <strong>prompt ({side.promptIds.length}):</strong> <Ids ids={side.promptIds} bos={bos} eos={eos} />
          <br />
          <strong>response ({side.responseIds.length}):</strong> <Ids ids={side.responseIds} bos={bos} eos={eos} />
        </p>
      </details>
    </section>
  );
}

/** On-demand per-token log-probs of the open pair under the loaded policy model. */
export default function TokenLogprobs({ row }: { row: number }) {
  const policy = useScoring((s) => s.models.policy);
  const running = useScoring((s) => s.run.state === "running");
  const inspectRow = useScoring((s) => s.inspectRow);
  const [result, setResult] = useState<{ row: number; pair: InspectedPair } | null>(null);
  const [failure, setFailure] = useState<{ row: number; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  if (!policy) return null;
  const shown = result && result.row === row ? result.pair : null;
  const error = failure && failure.row === row ? failure.message : null;
  return (
    <details className="token-logprobs" open={shown !== null || undefined}>
      <summary>Token log-probs</summary>
      <button
        type="button"
        disabled={busy || running}
        title={running ? "pause the scoring run first" : undefined}
        onClick={() => {
          setBusy(true);
          setFailure(null);
          inspectRow(row)
            .then((pair) => setResult({ row, pair }))
            .catch((e: Error) => setFailure({ row, message: e.message }))
            .finally(() => setBusy(false));
        }}
      >
        {busy ? "Scoring this pair…" : "Show token log-probs"}
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {shown && (
        <>
          <p className="hint">
            Under {policy.location} ({policy.onnxPath}), with the scoring settings; redder tokens are less likely.
            Prompt: {shown.chosen.promptTokens} tokens
            {shown.promptTruncated && " (truncated from the left)"}
            {shown.responseTruncated && " · responses truncated to Max length"}
            {shown.boundaryMerged && " · the prompt's last token merged into the response's first"}.
          </p>
          <div className="responses">
            <Side name="chosen" side={shown.chosen} bos={shown.bosTokenId} eos={shown.eosTokenId} />
            <Side name="rejected" side={shown.rejected} bos={shown.bosTokenId} eos={shown.eosTokenId} />
          </div>
        </>
      )}
    </details>
  );
}
