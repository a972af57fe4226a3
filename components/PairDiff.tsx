"use client";
import type { DiffPart, WordDiff } from "@/lib/inspector/word-diff";
import { formatChars } from "@/lib/inspector/size";

/** Props of {@link PairDiff}. */
export interface PairDiffProps {
  parts: DiffPart[];
  side: "chosen" | "rejected";
}

/**
 * One side of the word diff, as plain text: words only in chosen are `<del>`, words only in rejected `<ins>` (the
 * diff reads chosen → rejected), shared words unmarked.
 */
export default function PairDiff({ parts, side }: PairDiffProps) {
  const Changed = side === "chosen" ? "del" : "ins";
  const title = side === "chosen" ? "only in chosen" : "only in rejected";
  return (
    <div className="diff-text" data-testid={`diff-${side}`}>
      {parts.map((p, i) =>
        p.kind === "same" ? (
          p.text
        ) : (
          <Changed key={i} title={title}>
            {p.text}
          </Changed>
        ),
      )}
    </div>
  );
}

/** The line above the diff: how much the two responses share, or why there is no diff. */
export function DiffSummary({ diff }: { diff: WordDiff }) {
  if (!diff.ok) {
    return (
      <p className="diff-summary md-notice" role="note">
        {diff.reason === "too-long"
          ? `No diff: a response is too long to diff here (${formatChars(diff.chars)}; the limit is ${formatChars(diff.maxChars)}).`
          : `No diff: the responses differ too much to diff quickly (gave up after ${diff.timeoutMs} ms).`}
      </p>
    );
  }
  const onlyChosen = diff.chosenTokens - diff.sharedTokens;
  const onlyRejected = diff.rejectedTokens - diff.sharedTokens;
  return (
    <p className="diff-summary" data-testid="diff-summary">
      Word diff chosen → rejected: {Math.round(diff.similarity * 100)}% of words shared ·{" "}
      <span className="diff-legend-del">{onlyChosen} only in chosen</span> ·{" "}
      <span className="diff-legend-ins">{onlyRejected} only in rejected</span>
    </p>
  );
}
