/**
 * k samples of one prompt on a {@link KvDecoder}: the prompt is prefilled once, its cache is broadcast to the k
 * rows, every step feeds each live row its last token, and a row that hits a stop token, `maxNewTokens` or the
 * model's context leaves the batch (its cache rows are dropped). Each row draws from its own seeded stream, so
 * which rows share a batch never changes what a row draws.
 */
import type { Rng } from "@/lib/metrics/random";
import type { KvDecoder, KvState } from "./decoder";
import { GenerationError } from "./decoder";
import { chooseToken, logSoftmaxAt, type SamplingSettings } from "./sampling";

/** Why a sample ended: a stop token (kept as its last token), `maxNewTokens`, or the model's context length. */
export type FinishReason = "stop" | "length" | "context";

/** Sampling plus the length limit. */
export interface DecodeSettings extends SamplingSettings {
  /** Most tokens generated per sample (the stop token included). */
  maxNewTokens: number;
}

/** One generated sample. */
export interface GeneratedSample {
  /** Generated ids; a stop token, when one ended the sample, is the last. */
  ids: number[];
  /**
   * log p(id | prompt, earlier ids) of each id under the model itself (log-softmax of the raw logits, before any
   * penalty, temperature or truncation), i.e. what the scorer computes for the same tokens.
   */
  tokenLogps: Float32Array;
  /** Sum of `tokenLogps`. */
  sumLogp: number;
  finish: FinishReason;
}

/** Per-call options. */
export interface SampleOptions {
  signal?: AbortSignal;
  /** After every step: the ids of every sample so far (live view); `tokens` is the number of ids added this step. */
  onStep?: (ids: readonly (readonly number[])[], tokens: number) => void;
}

/** Generates samples of prompts. */
export interface Generator {
  readonly decoder: KvDecoder;
  readonly stopTokenIds: ReadonlySet<number>;
  /** Tokens a prompt plus its response may span (config.json's n_positions / max_position_embeddings), if known. */
  readonly contextLength: number | null;
  /** One sample per stream in `rngs`, in that order. */
  sample(
    promptIds: readonly number[],
    rngs: readonly Rng[],
    settings: DecodeSettings,
    options?: SampleOptions,
  ): Promise<GeneratedSample[]>;
}

/** What the generator needs besides the decoder. */
export interface GeneratorOptions {
  stopTokenIds: Iterable<number>;
  contextLength?: number | null;
}

/** The model's context length from config.json (GPT-2 `n_positions`, most others `max_position_embeddings`). */
export function contextLengthOf(config: Record<string, unknown>): number | null {
  for (const key of ["n_positions", "max_position_embeddings", "n_ctx", "seq_length"]) {
    const v = config[key];
    if (typeof v === "number" && Number.isInteger(v) && v > 0) return v;
  }
  return null;
}

/** Creates a generator over `decoder`. */
export function createGenerator(decoder: KvDecoder, options: GeneratorOptions): Generator {
  const stopTokenIds = new Set(options.stopTokenIds);
  const contextLength = options.contextLength ?? null;

  async function sample(
    promptIds: readonly number[],
    rngs: readonly Rng[],
    settings: DecodeSettings,
    { signal, onStep }: SampleOptions = {},
  ): Promise<GeneratedSample[]> {
    const k = rngs.length;
    if (k === 0) return [];
    if (promptIds.length === 0) throw new GenerationError("the prompt has no tokens", "EMPTY_PROMPT");
    if (contextLength !== null && promptIds.length >= contextLength) {
      throw new GenerationError(
        `the prompt has ${promptIds.length} tokens; the model's context is ${contextLength}, so no token fits after it`,
        "PROMPT_TOO_LONG",
      );
    }
    // Greedy samples are all the same sequence: decode it once.
    const greedy = settings.temperature === 0;
    const rows = greedy ? 1 : k;
    const ids: number[][] = Array.from({ length: rows }, () => []);
    const logps: number[][] = Array.from({ length: rows }, () => []);
    const finish: (FinishReason | null)[] = new Array(rows).fill(null);
    const penalised = settings.repetitionPenalty !== 1;
    let seen: Uint8Array[] | null = null;
    // Position budget: prompt + response must fit the context so the scorer can read the whole sequence back.
    const budget = Math.min(
      settings.maxNewTokens,
      contextLength === null ? Infinity : contextLength - promptIds.length,
    );

    const abort = () => {
      if (signal?.aborted) throw new GenerationError("generation aborted", "ABORTED");
    };
    abort();
    const prefilled = await decoder.prefill(promptIds);
    const { vocabSize } = prefilled;
    let logits = prefilled.logits;
    // Row r of `logits` belongs to sample live[r]; all rows read the prompt's logits at the first step.
    let live = Array.from({ length: rows }, (_, i) => i);
    let logitRow = live.map(() => 0);
    if (penalised) {
      const mask = new Uint8Array(vocabSize);
      for (const id of promptIds) if (id >= 0 && id < vocabSize) mask[id] = 1;
      seen = live.map(() => mask.slice());
    }
    let current: KvState = prefilled.state;
    try {
      for (;;) {
        for (let j = 0; j < live.length; j++) {
          const s = live[j];
          const row = logits.subarray(logitRow[j] * vocabSize, (logitRow[j] + 1) * vocabSize);
          const id = chooseToken(row, seen?.[s] ?? null, settings, rngs[s]);
          ids[s].push(id);
          logps[s].push(logSoftmaxAt(row, id));
          if (seen) seen[s][id] = 1;
          if (stopTokenIds.has(id)) finish[s] = "stop";
          else if (ids[s].length >= budget) finish[s] = ids[s].length >= settings.maxNewTokens ? "length" : "context";
        }
        onStep?.(greedy ? Array.from({ length: k }, () => ids[0]) : ids, greedy ? k * live.length : live.length);
        const keep = live.flatMap((s, j) => (finish[s] === null ? [j] : []));
        if (keep.length === 0) break;
        abort();
        const next = keep.map((j) => live[j]);
        current = decoder.selectRows(
          current,
          keep.map((j) => logitRow[j]),
        );
        const stepped = await decoder.step(
          current,
          next.map((s) => ids[s][ids[s].length - 1]),
        );
        current = stepped.state;
        logits = stepped.logits;
        live = next;
        logitRow = next.map((_, j) => j);
      }
    } finally {
      decoder.release(current);
    }
    const done = ids.map((seq, s): GeneratedSample => {
      const tokenLogps = Float32Array.from(logps[s]);
      return { ids: seq, tokenLogps, sumLogp: logps[s].reduce((a, b) => a + b, 0), finish: finish[s]! };
    });
    return greedy ? Array.from({ length: k }, () => ({ ...done[0], ids: [...done[0].ids] })) : done;
  }

  return { decoder, stopTokenIds, contextLength, sample };
}
