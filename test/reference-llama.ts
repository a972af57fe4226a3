/**
 * Plain-TypeScript float64 forward pass of the tiny Llama-family decoders (`scripts/demo-models/tiny-llama.ts`):
 * RMSNorm, rotary embeddings (rotate_half), grouped-query attention, SwiGLU, optional q/k/v biases, tied or untied
 * head, optional final logit soft-capping, optional sliding-window attention on even layers (Gemma-2). An
 * independent oracle for the ONNX graph variants and the engine: one unpadded sequence at a time, positions 0..T-1,
 * no cache. Feed it a build's `effectiveWeights`.
 */
import type { TinyLlamaConfig, TinyLlamaWeights } from "@/scripts/demo-models/tiny-llama";

function weight(w: TinyLlamaWeights, name: string): Float32Array {
  const t = w.get(name);
  if (!t) throw new Error(`reference: missing weight ${name}`);
  return t.data;
}

function rmsNorm(x: Float64Array, g: Float32Array, eps: number): Float64Array {
  let ms = 0;
  for (const v of x) ms += v * v;
  const inv = 1 / Math.sqrt(ms / x.length + eps);
  return x.map((v, i) => v * inv * g[i]);
}

/** y = x @ W (+ b), W [in, out]. */
function linear(x: Float64Array, W: Float32Array, out: number, b?: Float32Array): Float64Array {
  const y = new Float64Array(out);
  if (b) for (let j = 0; j < out; j++) y[j] = b[j];
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const row = i * out;
    for (let j = 0; j < out; j++) y[j] += xi * W[row + j];
  }
  return y;
}

/** Rotates each head of `x` (n heads of D) to position `pos`, transformers' rotate_half convention. */
function rope(x: Float64Array, n: number, D: number, pos: number, theta: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let h = 0; h < n; h++) {
    for (let i = 0; i < D / 2; i++) {
      const angle = pos * theta ** ((-2 * i) / D);
      const [c, s] = [Math.cos(angle), Math.sin(angle)];
      const a = x[h * D + i];
      const b = x[h * D + i + D / 2];
      out[h * D + i] = a * c - b * s;
      out[h * D + i + D / 2] = b * c + a * s;
    }
  }
  return out;
}

/** Final-norm hidden states [T][E] of one unpadded sequence. */
export function referenceLlamaHidden(
  cfg: TinyLlamaConfig,
  w: TinyLlamaWeights,
  ids: readonly number[],
): Float64Array[] {
  const E = cfg.hiddenSize;
  const H = cfg.numAttentionHeads;
  const KV = cfg.numKeyValueHeads;
  const D = E / H;
  const table = weight(w, "model.embed_tokens.weight");
  const bias = (name: string) => (cfg.attentionBias ? weight(w, name) : undefined);
  let xs = ids.map((id) => Float64Array.from(table.subarray(id * E, (id + 1) * E)));
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    const p = `model.layers.${l}.`;
    const a = `${p}self_attn.`;
    const hs = xs.map((x) => rmsNorm(x, weight(w, p + "input_layernorm.weight"), cfg.rmsNormEps));
    const q = hs.map((h, t) =>
      rope(linear(h, weight(w, a + "q_proj.weight"), H * D, bias(a + "q_proj.bias")), H, D, t, cfg.ropeTheta),
    );
    const k = hs.map((h, t) =>
      rope(linear(h, weight(w, a + "k_proj.weight"), KV * D, bias(a + "k_proj.bias")), KV, D, t, cfg.ropeTheta),
    );
    const v = hs.map((h) => linear(h, weight(w, a + "v_proj.weight"), KV * D, bias(a + "v_proj.bias")));
    // Gemma-2's default layer_types: "sliding_attention" on even layers, "full_attention" on odd ones.
    const window = cfg.slidingWindow != null && l % 2 === 0 ? cfg.slidingWindow : Infinity;
    xs = xs.map((x, t) => {
      const ctx = new Float64Array(H * D);
      // Keys at positions t - window < j <= t (all of 0..t without a window); scores below `first` stay 0 unused.
      const first = Math.max(0, t - window + 1);
      for (let h = 0; h < H; h++) {
        const kvh = Math.floor(h / (H / KV));
        const scores = new Float64Array(t + 1);
        let max = -Infinity;
        for (let j = first; j <= t; j++) {
          let s = 0;
          for (let d = 0; d < D; d++) s += q[t][h * D + d] * k[j][kvh * D + d];
          scores[j] = s / Math.sqrt(D);
          max = Math.max(max, scores[j]);
        }
        let z = 0;
        for (let j = first; j <= t; j++) z += scores[j] = Math.exp(scores[j] - max);
        for (let j = first; j <= t; j++)
          for (let d = 0; d < D; d++) ctx[h * D + d] += (scores[j] / z) * v[j][kvh * D + d];
      }
      const attn = linear(ctx, weight(w, a + "o_proj.weight"), E);
      const x1 = x.map((val, i) => val + attn[i]);
      const m = rmsNorm(x1, weight(w, p + "post_attention_layernorm.weight"), cfg.rmsNormEps);
      const gate = linear(m, weight(w, p + "mlp.gate_proj.weight"), cfg.intermediateSize);
      const up = linear(m, weight(w, p + "mlp.up_proj.weight"), cfg.intermediateSize);
      const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
      const down = linear(act, weight(w, p + "mlp.down_proj.weight"), E);
      return x1.map((val, i) => val + down[i]);
    });
  }
  return xs.map((x) => rmsNorm(x, weight(w, "model.norm.weight"), cfg.rmsNormEps));
}

/** log p(ids[t+1] | ids[0..t]) for t = 0..T-2 (the first token has no prediction, as in TRL). */
export function referenceLlamaLogprobs(
  cfg: TinyLlamaConfig,
  w: TinyLlamaWeights,
  ids: readonly number[],
): Float64Array {
  const { vocabSize: V, hiddenSize: E, finalLogitSoftcapping: cap } = cfg;
  const head = w.get("lm_head.weight")?.data ?? null;
  const table = weight(w, "model.embed_tokens.weight");
  const hidden = referenceLlamaHidden(cfg, w, ids);
  const out = new Float64Array(Math.max(0, ids.length - 1));
  const logits = new Float64Array(V);
  for (let t = 0; t + 1 < ids.length; t++) {
    logits.fill(0);
    for (let e = 0; e < E; e++) {
      const h = hidden[t][e];
      // Untied: lm_head [E, V]; tied: embed_tokens [V, E] read transposed.
      if (head) for (let v = 0; v < V; v++) logits[v] += h * head[e * V + v];
      else for (let v = 0; v < V; v++) logits[v] += h * table[v * E + e];
    }
    let max = -Infinity;
    for (let v = 0; v < V; v++) {
      if (cap !== null) logits[v] = Math.tanh(logits[v] / cap) * cap;
      max = Math.max(max, logits[v]);
    }
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[v] - max);
    out[t] = logits[ids[t + 1]] - max - Math.log(z);
  }
  return out;
}
