/**
 * Incremental decoding on the Optimum decoder interface (input_ids, attention_mask, position_ids,
 * past_key_values.N.key/value -> present.N.key/value), rewritten by {@link addLastLogitsOutput} so that only the
 * last position's logits reach JS. Any ONNX Runtime build fits (`InferenceSessionLike`, as the scorer).
 *
 * Every row of a batch has the same length: the k samples of one prompt start from the prompt's cache (broadcast
 * with {@link KvDecoder.selectRows}) and advance one token per step together, so masks are all ones, positions are
 * the row length, and length-based attention (GroupQueryAttention, which takes a past only under one-token rows)
 * works as well as masked attention. Rows that finish are dropped from the cache with `selectRows`.
 *
 * A `logits_to_keep` / `num_logits_to_keep` input (transformers' newer exports) is fed 1: only the last position's
 * logits are read, and the graph then skips the LM head over the rest of a prefill ([B,T,V] for a 150k vocabulary
 * is what a long prompt would otherwise cost).
 *
 * The cache travels through JS between steps (ORT returns present.* and takes them back as past_key_values.*);
 * `selectRows` copies typed arrays, so it needs CPU-resident tensors (the default on every execution provider
 * unless `preferredOutputLocation` keeps them on the GPU).
 */
import {
  describeDecoderCache,
  type DecoderLayout,
  type InferenceSessionLike,
  type TensorCtor,
  type TensorLike,
} from "@/lib/scoring/engine";
import { LAST_LOGITS } from "./last-logits-graph";

/** The decoder cannot run this model or this input; `code` is stable for UI messages. */
export class GenerationError extends Error {
  constructor(
    message: string,
    readonly code:
      "NOT_REWRITTEN" | "NO_CACHE" | "BAD_OUTPUT" | "GPU_CACHE" | "ABORTED" | "EMPTY_PROMPT" | "PROMPT_TOO_LONG",
  ) {
    super(message);
    this.name = "GenerationError";
  }
}

/** The KV cache of a batch of equally long rows. */
export interface KvState {
  /** past_key_values.* input name -> tensor [rows, heads, length, headDim]. */
  readonly past: Readonly<Record<string, TensorLike>>;
  /** Tokens already in the cache (the same for every row). */
  readonly length: number;
  readonly rows: number;
}

/** Last-position logits of every row, row-major [rows * vocabSize]. */
export interface StepLogits {
  logits: Float32Array;
  vocabSize: number;
  state: KvState;
}

/** Prefill, one-token steps and row selection over one session. */
export interface KvDecoder {
  readonly layout: DecoderLayout;
  /** Runs `ids` from an empty cache as one row; returns its last logits and the cache of all of `ids`. */
  prefill(ids: readonly number[]): Promise<StepLogits>;
  /** Feeds one token per row at position `state.length`; `state` is released (its tensors may be disposed). */
  step(state: KvState, tokens: readonly number[]): Promise<StepLogits>;
  /** A cache holding rows `rows` of `state` in that order (repeats broadcast a row); `state` is released. */
  selectRows(state: KvState, rows: readonly number[]): KvState;
  /** Frees a cache that will not be stepped again. */
  release(state: KvState): void;
}

function disposeAll(tensors: Readonly<Record<string, TensorLike>>): void {
  for (const t of Object.values(tensors)) (t as { dispose?: () => void }).dispose?.();
}

/** float32 data, or float16 as raw bits (Uint16Array) or as Float16Array where the runtime has one. */
interface CacheArray {
  readonly length: number;
  subarray(begin: number, end: number): CacheArray;
  set(source: CacheArray, offset: number): void;
}

function isCacheArray(v: unknown): v is CacheArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/**
 * Creates the decoder. The session must have the `last_logits` output and a KV cache (generation without one
 * would recompute the whole sequence every token); `config` is config.json (cache shapes when metadata is symbolic).
 */
export function createKvDecoder(
  session: InferenceSessionLike,
  Tensor: TensorCtor,
  config: Record<string, unknown> = {},
  opTypes?: ReadonlySet<string>,
): KvDecoder {
  if (!session.outputNames.includes(LAST_LOGITS)) {
    throw new GenerationError("session lacks last_logits: load it via addLastLogitsOutput", "NOT_REWRITTEN");
  }
  const layout = describeDecoderCache(session, config, opTypes);
  if (layout.past.length === 0) {
    throw new GenerationError(
      `generation needs a KV-cache export: this decoder has no past_key_values.N.key/value inputs (inputs: ` +
        `${session.inputNames.join(", ")}), as Optimum's \`text-generation\` task writes it; export with ` +
        "`--task text-generation-with-past` (onnx-community's model.onnx files have the cache). It can still score.",
      "NO_CACHE",
    );
  }
  const i64 = (values: ArrayLike<number>, dims: number[]) =>
    new Tensor(
      "int64",
      BigInt64Array.from(values as ArrayLike<number>, (v) => BigInt(v)),
      dims,
    );
  const fetches = [LAST_LOGITS, ...layout.past.map((p) => p.output)];

  async function run(ids: readonly number[], rows: number, past: KvState | null): Promise<StepLogits> {
    const T = ids.length / rows;
    const P = past?.length ?? 0;
    const feeds: Record<string, TensorLike> = {
      input_ids: i64(ids, [rows, T]),
      attention_mask: new Tensor("int64", new BigInt64Array(rows * (P + T)).fill(1n), [rows, P + T]),
    };
    if (layout.hasPositionIds) {
      const positions = Array.from({ length: rows * T }, (_, i) => P + (i % T));
      feeds.position_ids = i64(positions, [rows, T]);
    }
    if (layout.logitsToKeep) feeds[layout.logitsToKeep.input] = i64([1], layout.logitsToKeep.rank ? [1] : []);
    if (layout.hasUseCacheBranch) feeds.use_cache_branch = new Tensor("bool", Uint8Array.of(P > 0 ? 1 : 0), [1]);
    for (const p of layout.past) {
      feeds[p.input] =
        past?.past[p.input] ??
        new Tensor(p.type, p.type === "float16" ? new Uint16Array(0) : new Float32Array(0), [
          rows,
          p.heads,
          0,
          p.headDim,
        ]);
    }
    const out = await session.run(feeds, fetches);
    if (past) disposeAll(past.past);
    const last = out[LAST_LOGITS];
    if (!last || !(last.data instanceof Float32Array) || last.dims.length !== 2 || last.dims[0] !== rows) {
      disposeAll(out);
      throw new GenerationError(
        `last_logits is ${last?.type ?? "missing"} [${last?.dims.join(",") ?? ""}], expected float32 [${rows}, vocab]`,
        "BAD_OUTPUT",
      );
    }
    const present: Record<string, TensorLike> = {};
    for (const p of layout.past) present[p.input] = out[p.output];
    return { logits: last.data, vocabSize: last.dims[1], state: { past: present, length: P + T, rows } };
  }

  return {
    layout,
    prefill(ids) {
      if (ids.length === 0)
        return Promise.reject(new GenerationError("cannot prefill an empty prompt", "EMPTY_PROMPT"));
      return run(ids, 1, null);
    },
    step(state, tokens) {
      if (tokens.length !== state.rows) throw new Error(`step: ${tokens.length} tokens for ${state.rows} rows`);
      return run(tokens, state.rows, state);
    },
    selectRows(state, rows) {
      const identity = rows.length === state.rows && rows.every((r, i) => r === i);
      if (identity) return state;
      const past: Record<string, TensorLike> = {};
      for (const p of layout.past) {
        const t = state.past[p.input];
        // ORT's `data` getter throws for a GPU-resident tensor, so its location is checked first.
        const location = (t as { location?: string }).location ?? "cpu";
        const src = location === "cpu" || location === "cpu-pinned" ? t.data : null;
        if (!isCacheArray(src)) {
          throw new GenerationError(
            `${p.output} is not in CPU memory (location ${location}); the generation session must return its cache to JS`,
            "GPU_CACHE",
          );
        }
        const block = src.length / state.rows;
        const data = new (src.constructor as new (n: number) => CacheArray)(rows.length * block);
        rows.forEach((r, i) => data.set(src.subarray(r * block, (r + 1) * block), i * block));
        const dims = [rows.length, t.dims[1], t.dims[2], t.dims[3]];
        past[p.input] = new Tensor(p.type, data as unknown as Float32Array, dims);
      }
      disposeAll(state.past);
      return { past, length: state.length, rows: rows.length };
    },
    release(state) {
      disposeAll(state.past);
    },
  };
}
