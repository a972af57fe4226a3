"use client";
import { formatEta } from "@/lib/format/units";
import { useGeneration } from "@/components/generation-store";
import ModelFolderInput from "@/components/ModelFolderInput";
import { useScoring } from "@/components/scoring-store";
import { DEMO_MODEL_URL } from "@/components/scoring-store";
import { DEMO_REWARD_MODEL_URL } from "@/components/generation-store";
import { useWorkbench } from "@/components/workbench-store";
import type { GenerateSettings, ModelRole } from "@/lib/scoring/protocol";

function NumberInput(props: {
  label: string;
  field: keyof GenerateSettings;
  step?: number;
  min?: number;
  max?: number;
  integer?: boolean;
  disabled: boolean;
}) {
  const value = useGeneration((s) => s.settings[props.field]) as number;
  const setSettings = useGeneration((s) => s.setSettings);
  return (
    <label>
      {props.label}
      <input
        type="number"
        aria-label={props.label}
        step={props.step ?? (props.integer ? 1 : "any")}
        min={props.min}
        max={props.max}
        value={value}
        disabled={props.disabled}
        onChange={(e) => {
          const v = e.target.valueAsNumber;
          if (Number.isFinite(v)) setSettings({ [props.field]: props.integer ? Math.trunc(v) : v });
        }}
      />
    </label>
  );
}

function ModelSlot({ role, label, demoUrl, busy }: { role: ModelRole; label: string; demoUrl: string; busy: boolean }) {
  const info = useScoring((s) => s.models[role]);
  const loadLocation = useScoring((s) => s.loadModelLocation);
  return (
    <div className="generation-model" data-testid={`generation-${role}`}>
      <strong>{label}:</strong> {info ? `${info.location} · ${info.onnxPath}${info.isDemo ? " (demo)" : ""}` : "none"}
      <div className="button-row">
        <ModelFolderInput
          role={role}
          disabled={busy}
          text={`Choose ${label.toLowerCase()} folder`}
          ariaLabel={`${label} folder for generation`}
        />
        <button type="button" disabled={busy} onClick={() => void loadLocation(role, demoUrl)}>
          {role === "policy" ? "Use demo policy" : "Use demo reward model"}
        </button>
      </div>
    </div>
  );
}

/**
 * "Generate responses": sample k responses per prompt with the policy, score them with the reward model, and open
 * the best/worst pairs in the workbench (M_AP, w = 2.5). Models are the scoring panel's slots.
 */
export default function GenerationPanel() {
  const g = useGeneration();
  const loading = useScoring((s) => s.loading);
  const scoringRun = useScoring((s) => s.run.state);
  const hasDataset = useWorkbench((s) => s.summary !== null);
  const policyIsDemo = useScoring((s) => s.models.policy?.isDemo === true);
  const rewardIsDemo = useScoring((s) => s.models.reward?.isDemo === true);
  const running = g.state === "running" || g.state === "paused";
  const busy = running || loading !== null || scoringRun === "running" || scoringRun === "paused";
  const fraction = g.stats?.total ? g.stats.done / g.stats.total : 0;
  const st = g.stats;

  return (
    <fieldset className="controls generation" aria-label="Generate responses">
      <legend>Generate responses</legend>
      <p className="hint">
        Self-play data: the policy writes k responses per prompt, the reward model scores them, chosen = best and
        rejected = worst, and M_AP (w = 2.5, the paper&apos;s setting) ranks the pairs. Nothing leaves this tab.
      </p>
      <ModelSlot role="policy" label="Policy" demoUrl={DEMO_MODEL_URL} busy={busy} />
      <ModelSlot role="reward" label="Reward model" demoUrl={DEMO_REWARD_MODEL_URL} busy={busy} />
      {(policyIsDemo || rewardIsDemo) && (
        <p role="note" className="notice" data-testid="generation-demo-notice">
          Demo models (tiny, built by this project): the responses are random text and the scores illustrative; load
          your own policy and reward model for real data.
        </p>
      )}
      {loading && (
        <p className="hint" role="status">
          Loading {loading.role}: {loading.stage} {Math.round(loading.fraction * 100)}%
        </p>
      )}
      <label>
        Prompts from
        <select
          aria-label="Prompts from"
          value={g.source}
          disabled={running}
          onChange={(e) => g.setSource(e.target.value as "file" | "dataset")}
        >
          <option value="file">a prompts file</option>
          <option value="dataset" disabled={!hasDataset}>
            the loaded dataset&apos;s prompts
          </option>
        </select>
      </label>
      {g.source === "file" && (
        <>
          <label className="button">
            Choose prompts file
            <input
              type="file"
              aria-label="Prompts file"
              className="visually-hidden"
              accept=".jsonl,.json,.csv,.parquet,.gz"
              disabled={running}
              onChange={(e) => g.pickPrompts(e.target.files?.[0] ?? null)}
            />
          </label>
          <span className="hint" data-testid="prompts-file">
            {g.promptsName ?? "no prompts file chosen (JSONL, JSON, CSV or Parquet with a prompt field)"}
          </span>
          <label>
            Field holding the prompt
            <input
              type="text"
              aria-label="Field holding the prompt"
              value={g.promptField}
              disabled={running}
              onChange={(e) => g.setPromptField(e.target.value)}
            />
          </label>
        </>
      )}
      <NumberInput label="Samples per prompt" field="k" integer min={1} disabled={running} />
      <NumberInput label="Temperature" field="temperature" step={0.05} min={0} disabled={running} />
      <NumberInput label="Top-p (nucleus)" field="topP" step={0.05} min={0} max={1} disabled={running} />
      <NumberInput label="Top-k (0 = off)" field="topK" integer min={0} disabled={running} />
      <NumberInput label="Max new tokens" field="maxNewTokens" integer min={1} disabled={running} />
      <NumberInput label="Seed" field="seed" integer disabled={running} />
      <button type="button" disabled={busy} onClick={() => void g.generate()}>
        Generate
      </button>
      <progress aria-label="Generation progress" value={fraction} max={1} />
      <p className="hint" data-testid="generation-stats" aria-live="polite">
        {!st
          ? g.state === "running"
            ? "starting…"
            : "Not generated yet. Finished prompts are stored in this browser: a reload resumes without regenerating."
          : `${g.state}: ${st.done} / ${st.total} prompts` +
            (st.stored ? ` (${st.stored} from stored results)` : "") +
            ` · ${st.promptsPerSec.toFixed(2)} prompts/s · ${Math.round(st.tokensPerSec)} tokens/s · ETA ${formatEta(st.etaSeconds)}` +
            (st.failed ? ` · ${st.failed} prompts failed` : "")}
      </p>
      <div className="button-row">
        <button type="button" disabled={g.state !== "running"} onClick={() => void g.pause()}>
          Pause generation
        </button>
        <button type="button" disabled={g.state !== "paused"} onClick={() => void g.resume()}>
          Resume generation
        </button>
        <button type="button" disabled={!running} onClick={() => void g.cancel()}>
          Cancel generation
        </button>
      </div>
      {g.live && (
        <div className="generation-live" data-testid="generation-live" aria-live="off">
          <p className="hint">Prompt {g.live.index + 1}, streaming:</p>
          <ol>
            {g.live.texts.map((t, j) => (
              <li key={j}>
                <pre>{t}</pre>
              </li>
            ))}
          </ol>
        </div>
      )}
      {g.recent.length > 0 && (
        <details open className="generation-recent">
          <summary>Finished prompts ({g.finished})</summary>
          <ul data-testid="generation-recent">
            {g.recent.map((r) => (
              <li key={r.index} data-index={r.index}>
                <strong>Prompt {r.index + 1}</strong>
                {r.error ? (
                  <span className="error"> {r.error}</span>
                ) : (
                  <ol>
                    {r.responses.map((t, j) => (
                      <li key={j}>
                        <pre>{t}</pre>
                        {r.rmScores && <span className="hint"> reward {r.rmScores[j].toFixed(3)}</span>}
                      </li>
                    ))}
                  </ol>
                )}
              </li>
            ))}
          </ul>
        </details>
      )}
      {g.note && (
        <p className="hint" data-testid="generation-note">
          {g.note}
        </p>
      )}
      <div className="button-row">
        <button type="button" disabled={running || g.finished === 0} onClick={() => g.downloadGenerated()}>
          Download generated file
        </button>
        <button type="button" disabled={running || g.finished === 0} onClick={() => void g.openInWorkbench()}>
          Open pairs in workbench
        </button>
        <button type="button" disabled={running} onClick={() => void g.clearStored()}>
          Clear stored generations
        </button>
      </div>
      {g.error && (
        <p role="alert" className="error">
          {g.error}
        </p>
      )}
    </fieldset>
  );
}
