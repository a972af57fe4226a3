/**
 * UI state of self-play generation (zustand): settings, the prompts' source, run progress and the streaming view.
 * The finished prompts (texts) live in a module-level list, not in React state; the store holds counts, the live
 * prompt's texts and the last few finished prompts shown. When a run ends with reward scores the multi-response file
 * is built and opened in the workbench with M_AP at w = 2.5 (the paper's self-play setting).
 */
import { create } from "zustand";
import { currentDatasetFile, useWorkbench } from "@/components/workbench-store";
import { useScoring } from "@/components/scoring-store";
import { downloadBlob } from "@/lib/download";
import { generatedFileName, generatedJsonl, SELF_PLAY_WEIGHT } from "@/lib/generation/output";
import { DEFAULT_GENERATION_SETTINGS } from "@/lib/generation/run";
import { scoringClient } from "@/lib/scoring-client";
import { linkScoringToDataset } from "@/lib/worker-link";
import { parseRewardOutput } from "@/lib/scoring/reward-outputs";
import type { GeneratedPrompt, GenerateProgress, GenerateSettings, GenerateStats } from "@/lib/scoring/protocol";
import { WorkerCallError } from "@/lib/worker/rpc";

/** URL of the bundled demo reward model (public/models, built by `npm run prepare:assets`). */
export const DEMO_REWARD_MODEL_URL = "/models/demo-rm/";

/** Finished prompts shown under the live view (newest first). */
const RECENT_SHOWN = 6;

export type GenerationRunState = "idle" | "running" | "paused" | "done" | "cancelled" | "error";

/** Generation UI state and actions. */
export interface GenerationState {
  settings: GenerateSettings;
  /** A prompts file, or the prompts of the loaded dataset. */
  source: "file" | "dataset";
  promptsName: string | null;
  promptField: string;
  state: GenerationRunState;
  stats: GenerateStats | null;
  /** The prompt being generated and its samples' text so far. */
  live: { index: number; texts: string[] } | null;
  recent: GeneratedPrompt[];
  /** Finished prompts held (stored and new). */
  finished: number;
  /** What the last run left: counts and where its output went. */
  note: string | null;
  error: string | null;
  setSettings(patch: Partial<GenerateSettings>): void;
  setSource(source: "file" | "dataset"): void;
  setPromptField(field: string): void;
  pickPrompts(file: File | null): void;
  generate(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  cancel(): Promise<void>;
  /** Saves the finished prompts as the multi-response JSONL (`prompt`, `all_generated_responses`, `all_rm_scores`…). */
  downloadGenerated(): void;
  /** Opens the finished prompts in the workbench as best/worst pairs, M_AP with w = 2.5. */
  openInWorkbench(): Promise<void>;
  clearStored(): Promise<void>;
}

let promptsFile: File | null = null;
/** Finished prompts of the current run by index; what the run ran with. */
let results: GeneratedPrompt[] = [];
let ranWith: { settings: GenerateSettings; policyHash: string; name: string } | null = null;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const { k, temperature, topP, topK, repetitionPenalty, maxNewTokens, seed } = DEFAULT_GENERATION_SETTINGS;

/** The finished prompts in prompt order (the list is sparse while a run is under way). */
function finishedPrompts(): GeneratedPrompt[] {
  return results.filter((r) => r !== undefined);
}

export const useGeneration = create<GenerationState>()((set, get) => ({
  settings: { k, temperature, topP, topK, repetitionPenalty, maxNewTokens, seed },
  source: "file",
  promptsName: null,
  promptField: "prompt",
  state: "idle",
  stats: null,
  live: null,
  recent: [],
  finished: 0,
  note: null,
  error: null,

  setSettings(patch) {
    set((s) => ({ settings: { ...s.settings, ...patch } }));
  },
  setSource(source) {
    set({ source });
  },
  setPromptField(promptField) {
    set({ promptField });
  },
  pickPrompts(file) {
    promptsFile = file;
    set({ promptsName: file?.name ?? null, source: "file", error: null });
  },

  async generate() {
    const { source, promptField } = get();
    const scoring = useScoring.getState();
    const policy = scoring.models.policy;
    if (!policy) return set({ error: "load a policy model (or the demo model) first: it writes the responses" });
    if (policy.kind !== "lm") return set({ error: "the policy slot holds a reward model; load a language model" });
    if (source === "file" && !promptsFile) return set({ error: "choose a prompts file first" });
    const dataset = currentDatasetFile();
    const summary = useWorkbench.getState().summary;
    if (source === "dataset" && (!dataset || !summary)) return set({ error: "load a dataset first" });
    const settings: GenerateSettings = {
      ...get().settings,
      promptFormat: scoring.promptFormat,
      rules: scoring.sequenceRules,
    };
    results = [];
    set({ state: "running", stats: null, live: null, recent: [], finished: 0, note: null, error: null });
    try {
      const client = scoringClient();
      // Dataset prompts are read from the dataset worker over the link.
      if (source === "dataset") await linkScoringToDataset();
      const name = source === "file" ? promptsFile!.name : dataset!.name;
      const reply = await client.call(
        "generate",
        {
          prompts:
            source === "file" ? { kind: "file", file: promptsFile!, name, field: promptField } : { kind: "dataset" },
          settings,
          rewardMaxLength: scoring.maxLength,
          ...(scoring.models.reward && scoring.rewardOutput
            ? { rewardOutput: parseRewardOutput(scoring.rewardOutput) }
            : {}),
        },
        {
          onProgress: (_stage, _fraction, data) => {
            const p = data as GenerateProgress | undefined;
            if (!p) return;
            if (p.kind === "step") {
              set((s) => ({ live: { index: p.index, texts: p.texts }, stats: p.stats, state: runningState(s.state) }));
              return;
            }
            for (const r of p.results) results[r.index] = r;
            set((s) => ({
              stats: p.stats,
              finished: s.finished + p.results.length,
              recent: [...p.results].reverse().concat(s.recent).slice(0, RECENT_SHOWN),
              live: p.stored ? s.live : null,
              state: runningState(s.state),
            }));
          },
        },
      );
      ranWith = { settings, policyHash: reply.policyHash, name };
      const st = reply.stats;
      const parts = [
        `${st.done} of ${st.total} prompts`,
        st.stored ? `${st.stored} from stored results` : null,
        st.failed ? `${st.failed} failed` : null,
        `${st.generatedTokens} tokens generated at ${Math.round(st.tokensPerSec)} tokens/s`,
        reply.unreadableStored ? `${reply.unreadableStored} unreadable stored entries ignored (generated again)` : null,
        notRetokenized(finishedPrompts()),
        reply.backendNotice,
      ].filter(Boolean);
      set({ state: "done", stats: st, live: null, note: parts.join(" · ") });
      if (reply.rewardHash) await get().openInWorkbench();
      else
        set((s) => ({
          note: `${s.note} · no reward model was loaded: the responses have no scores, so no pairs can be built (load one and generate again: the responses come back from the store)`,
        }));
    } catch (err) {
      const cancelled = err instanceof WorkerCallError && err.code === "cancelled";
      set({
        state: cancelled ? "cancelled" : "error",
        live: null,
        error: cancelled ? null : messageOf(err),
        note: cancelled ? `cancelled: ${finishedPrompts().length} finished prompts are stored` : null,
      });
    }
  },

  async pause() {
    await scoringClient().call("pause", {});
    set((s) => ({ state: s.state === "running" ? "paused" : s.state }));
  },
  async resume() {
    await scoringClient().call("resume", {});
    set((s) => ({ state: s.state === "paused" ? "running" : s.state }));
  },
  async cancel() {
    await scoringClient().call("cancel", {});
  },

  downloadGenerated() {
    const rows = finishedPrompts();
    if (!ranWith || rows.length === 0) return;
    downloadBlob(generatedJsonl(rows, ranWith.settings, ranWith.policyHash), generatedFileName(ranWith.name));
  },

  async openInWorkbench() {
    const rows = finishedPrompts();
    if (!ranWith || rows.length === 0) return;
    const name = generatedFileName(ranWith.name);
    const wb = useWorkbench.getState();
    await wb.loadFile(generatedJsonl(rows, ranWith.settings, ranWith.policyHash), name);
    const after = useWorkbench.getState();
    if (after.status === "ready" && after.summary?.info.name === name) {
      after.updateRanking({ metric: "map", weight: SELF_PLAY_WEIGHT });
    }
  },

  async clearStored() {
    try {
      await scoringClient().call("clearGenerations", {});
      set({ note: "stored generations cleared" });
    } catch (err) {
      set({ error: messageOf(err) });
    }
  },
}));

/** The responses whose text does not re-tokenise to the ids they were sampled as (the scorer reads other tokens). */
function notRetokenized(prompts: GeneratedPrompt[]): string | null {
  let n = 0;
  let total = 0;
  for (const p of prompts) {
    total += p.retokenizes.length;
    n += p.retokenizes.filter((r) => !r).length;
  }
  return n
    ? `${n} of ${total} responses do not re-tokenize to their sampled ids (scored again, they get other tokens and log-probs)`
    : null;
}

function runningState(s: GenerationRunState): GenerationRunState {
  return s === "paused" ? "paused" : "running";
}
