"use client";
import { formatBytes, formatEta } from "@/lib/format/units";
import { useEffect, useState } from "react";
import HubSettings from "@/components/HubSettings";
import ModelFolderInput from "@/components/ModelFolderInput";
import { useWorkerCrashes, WorkerCrashAlert } from "@/components/StatusBar";
import { DEMO_MODEL_URL, useScoring } from "@/components/scoring-store";
import type { BackendChoice, ModelInfo, ModelRole } from "@/lib/scoring/protocol";
import type { ImplicitKind } from "@/lib/scoring/columns";
import { ONNX_VARIANTS } from "@/lib/scoring-client";
import { isSequenceRules, SEQUENCE_RULES } from "@/lib/scoring/sequence";
import { defaultRewardOutput, formatRewardOutput, rewardOutputOptions } from "@/lib/scoring/reward-outputs";

/** Shown whenever the bundled demo model scores: its numbers must not be mistaken for real margins. */
export const DEMO_NOTICE =
  "Demo model (tiny, built by this project): margins are illustrative; bring your own model for real curation";

const ROLE_LABEL: Record<ModelRole, string> = { policy: "Model", reference: "Reference model", reward: "Reward model" };
const FOLDER_LABEL: Record<ModelRole, string> = {
  policy: "Load model folder",
  reference: "Load reference model folder",
  reward: "Load reward model folder",
};

/**
 * "Reward output": which output and label of the loaded reward model is the reward, shown only when its graph offers
 * more than one (ArmoRM's objectives and score, num_labels > 1).
 */
function RewardOutputSelect({ info, disabled }: { info: ModelInfo | undefined; disabled: boolean }) {
  const value = useScoring((s) => s.rewardOutput);
  const setOptions = useScoring((s) => s.setOptions);
  const options = info?.outputs ? rewardOutputOptions(info.outputs, info.labels) : [];
  if (options.length < 2) return null;
  const fallback = formatRewardOutput(defaultRewardOutput(options.map((o) => o.name)));
  return (
    <label>
      Reward output
      <select
        aria-label="Reward output"
        value={value || fallback}
        disabled={disabled}
        onChange={(e) => setOptions({ rewardOutput: e.target.value === fallback ? "" : e.target.value })}
      >
        {options.map((o) => (
          <option key={formatRewardOutput(o)} value={formatRewardOutput(o)}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * A model-folder picker for `role`: a directory input, or with `files` a plain multi-file input (config.json,
 * tokenizer files and the .onnx / .onnx_data picked one by one; bare graph names are placed under onnx/).
 */
function FolderInput({ role, disabled, files = false }: { role: ModelRole; disabled: boolean; files?: boolean }) {
  return (
    <ModelFolderInput
      role={role}
      disabled={disabled}
      files={files}
      text={files ? "Load model files" : FOLDER_LABEL[role]}
    />
  );
}

function ModelLine({ info }: { info: ModelInfo }) {
  const unload = useScoring((s) => s.unloadModel);
  const b = info.backend;
  return (
    <li data-testid={`model-${info.role}`}>
      <strong>{ROLE_LABEL[info.role]}:</strong> {info.location} · {info.onnxPath} · {formatBytes(info.bytes)} · loaded
      in {info.loadMs} ms ·{" "}
      <span data-testid={`backend-${info.role}`}>
        backend {b.backend === "webgpu" ? "WebGPU" : `WASM (${b.threads} thread${b.threads === 1 ? "" : "s"})`}
      </span>
      {!info.hasChatTemplate && <> · no chat template: prompt and response texts are concatenated</>}
      {info.role !== "policy" && (
        <button type="button" onClick={() => void unload(info.role)} aria-label={`Remove ${ROLE_LABEL[info.role]}`}>
          ×
        </button>
      )}
      {b.notice && (
        <p role="note" className="notice" data-testid="backend-notice">
          {b.notice}
        </p>
      )}
      {info.notices?.map((n, i) => (
        <p key={i} role="note" className="notice" data-testid="model-notice">
          {n}
        </p>
      ))}
    </li>
  );
}

/** "Scoring": load models (folder, URL, Hub id, demo), pick the backend, score the dataset with pause/resume/cancel. */
export default function ScoringPanel() {
  const s = useScoring();
  const [location, setLocation] = useState("");
  const [slot, setSlot] = useState<ModelRole>("policy");
  const refreshCacheSize = s.refreshCacheSize;
  useEffect(() => {
    void refreshCacheSize();
  }, [refreshCacheSize]);

  const running = s.run.state === "running" || s.run.state === "paused";
  const busy = running || s.loading !== null;
  const models = (["policy", "reference", "reward"] as const).flatMap((r) => (s.models[r] ? [s.models[r]!] : []));
  const usesDemo = models.some((m) => m.isDemo);
  const fraction = s.run.total ? s.run.done / s.run.total : 0;
  const crash = useWorkerCrashes().find((e) => e.report.worker === "scoring");

  return (
    <fieldset className="controls scoring">
      <legend>Scoring</legend>
      <label>
        Backend
        <select
          aria-label="Backend"
          value={s.backend}
          disabled={busy}
          onChange={(e) => s.setOptions({ backend: e.target.value as BackendChoice })}
        >
          <option value="auto">Auto</option>
          <option value="webgpu">WebGPU</option>
          <option value="wasm">WASM</option>
        </select>
      </label>
      <label>
        Model file
        <select
          aria-label="Model file"
          value={s.variant}
          disabled={busy}
          onChange={(e) => s.setOptions({ variant: e.target.value })}
        >
          <option value="">Best available (float32 first)</option>
          {ONNX_VARIANTS.map((v) => (
            <option key={v.file} value={v.file}>
              {v.file}: {v.description}
            </option>
          ))}
        </select>
      </label>
      <div className="button-row">
        <FolderInput role="policy" disabled={busy} />
        <FolderInput role="policy" disabled={busy} files />
      </div>
      <form
        className="model-location"
        onSubmit={(e) => {
          e.preventDefault();
          void s.loadModelLocation(slot, location);
        }}
      >
        <input
          type="text"
          aria-label="Model URL or Hub id"
          placeholder="https://…/ or org/name"
          value={location}
          onChange={(e) => setLocation(e.target.value)}
        />
        <select aria-label="Load into" value={slot} onChange={(e) => setSlot(e.target.value as ModelRole)}>
          <option value="policy">as model</option>
          <option value="reference">as reference model</option>
          <option value="reward">as reward model</option>
        </select>
        <button type="submit" disabled={busy || location.trim() === ""}>
          Load model
        </button>
      </form>
      <HubSettings
        tokenPlaceholder="hf_… (gated or private models)"
        hint={(endpoint) => (
          <>
            Hub ids (org/name, or org/name@revision) resolve to {endpoint}/org/name/resolve/main/…; the token is kept in
            memory only and sent to that endpoint only.
          </>
        )}
      />
      <button type="button" disabled={busy} onClick={() => void s.loadModelLocation("policy", DEMO_MODEL_URL)}>
        Use demo model
      </button>
      <details>
        <summary>Reference and reward models</summary>
        <FolderInput role="reference" disabled={busy} />
        <FolderInput role="reward" disabled={busy} />
        <p className="hint">
          A reference model enables DPO margins (ref_* columns); a reward model adds score_chosen / score_rejected and
          sets the explicit margin to their difference (it can score on its own, keeping the file&apos;s implicit
          margin).
        </p>
      </details>
      {s.loading && (
        <p className="hint" role="status">
          Loading {ROLE_LABEL[s.loading.role].toLowerCase()}: {s.loading.stage} {Math.round(s.loading.fraction * 100)}%
        </p>
      )}
      {models.length > 0 && (
        <ul className="notes model-list">
          {models.map((m) => (
            <ModelLine key={m.role} info={m} />
          ))}
        </ul>
      )}
      {usesDemo && (
        <p role="note" className="notice" data-testid="demo-notice">
          {DEMO_NOTICE}
        </p>
      )}
      <label>
        Implicit margin
        <select
          aria-label="Implicit margin"
          value={s.implicit}
          onChange={(e) => s.setOptions({ implicit: e.target.value as ImplicitKind })}
        >
          <option value="simpo">SimPO: mean log-prob</option>
          <option value="sum">Sum of log-probs</option>
          <option value="dpo">DPO (reference model)</option>
        </select>
      </label>
      {s.implicit === "dpo" && (
        <label>
          DPO beta
          <input
            type="number"
            aria-label="DPO beta"
            step="0.01"
            value={s.beta}
            onChange={(e) => Number.isFinite(e.target.valueAsNumber) && s.setOptions({ beta: e.target.valueAsNumber })}
          />
        </label>
      )}
      <label>
        Prompt format
        <select
          aria-label="Prompt format"
          value={s.promptFormat}
          disabled={running}
          onChange={(e) => s.setOptions({ promptFormat: e.target.value as "chat" | "plain" })}
        >
          <option value="chat">Chat template (when the model has one)</option>
          <option value="plain">Plain text (prompt + response concatenated)</option>
        </select>
      </label>
      <label>
        Sequence rules
        <select
          aria-label="Sequence rules"
          value={s.sequenceRules}
          disabled={running}
          onChange={(e) => isSequenceRules(e.target.value) && s.setOptions({ sequenceRules: e.target.value })}
        >
          {SEQUENCE_RULES.map((r) => (
            <option key={r.id} value={r.id}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      <RewardOutputSelect info={s.models.reward} disabled={running} />
      <label>
        Max length
        <input
          type="number"
          aria-label="Max length"
          min={2}
          value={s.maxLength}
          disabled={running}
          onChange={(e) => e.target.valueAsNumber > 0 && s.setOptions({ maxLength: e.target.valueAsNumber })}
        />
      </label>
      <label>
        Max prompt length
        <input
          type="number"
          aria-label="Max prompt length"
          min={1}
          value={s.maxPromptLength}
          disabled={running}
          onChange={(e) => e.target.valueAsNumber > 0 && s.setOptions({ maxPromptLength: e.target.valueAsNumber })}
        />
      </label>
      <button
        type="button"
        disabled={busy || !(s.models.policy || s.models.reward)}
        onClick={() => void s.scoreDataset()}
      >
        Score dataset
      </button>
      <progress aria-label="Scoring progress" value={fraction} max={1} />
      <p className="hint" data-testid="scoring-stats" aria-live="polite">
        {s.run.state === "idle"
          ? "Not scored yet. Results are stored in this browser and reused when the same dataset, model and lengths are scored again."
          : s.runNote && s.run.state === "running"
            ? `running: ${s.runNote}…`
            : `${s.run.state}: ${s.run.done} / ${s.run.total} pairs` +
              (s.run.cached ? ` (${s.run.cached} from stored results)` : "") +
              ` · ${s.run.pairsPerSec.toFixed(1)} pairs/s · ${Math.round(s.run.tokensPerSec)} tokens/s · ETA ${formatEta(s.run.etaSeconds)}` +
              (s.run.failed ? ` · ${s.run.failed} pairs could not be tokenized` : "")}
      </p>
      {s.run.storeNotice && (
        <p role="note" className="notice" data-testid="store-notice">
          {s.run.storeNotice}
        </p>
      )}
      {s.plan && (
        <p className={s.plan.longestFits ? "hint" : "notice"} data-testid="batch-plan">
          {s.plan.note}
        </p>
      )}
      <div className="button-row">
        <button type="button" disabled={s.run.state !== "running"} onClick={() => void s.pause()}>
          Pause
        </button>
        <button type="button" disabled={s.run.state !== "paused"} onClick={() => void s.resume()}>
          Resume
        </button>
        <button type="button" disabled={!running} onClick={() => void s.cancel()}>
          Cancel
        </button>
      </div>
      <p className="hint" data-testid="model-cache-size">
        Model cache: {s.cacheBytes === null ? "unavailable" : formatBytes(s.cacheBytes)}
      </p>
      <div className="button-row">
        <button type="button" disabled={busy} onClick={() => void s.clearModelCache()}>
          Clear model cache
        </button>
        <button type="button" disabled={busy} onClick={() => void s.clearStoredScores()}>
          Clear stored scores
        </button>
      </div>
      {crash && <WorkerCrashAlert entry={crash} />}
      {s.error && (
        <p role="alert" className="error">
          {s.error}
        </p>
      )}
    </fieldset>
  );
}
