/**
 * Recognises the bundled demo model. Only its architecture lives here: the builder is build-time code
 * (scripts/demo-models/), which the scoring worker must never bundle.
 */

/** Demo architecture: 2 layers, width 64, 4 heads, 2048 positions (TRL's default max_length). */
export const DEMO_ARCH = { nLayer: 2, nHead: 4, nEmbd: 64, nPositions: 2048, layerNormEpsilon: 1e-5 } as const;

/** Vocabulary size of the demo tokenizer (256 bytes, its merges and 3 special tokens). */
export const DEMO_VOCAB_SIZE = 320;

/**
 * True for the bundled demo model's architecture (scripts/build-models.ts): the UI then says its margins are
 * illustrative. Matching the config (not a URL) also catches the demo folder picked from disk.
 */
export function isDemoConfig(config: Record<string, unknown>): boolean {
  return (
    config.model_type === "gpt2" &&
    config.n_layer === DEMO_ARCH.nLayer &&
    config.n_embd === DEMO_ARCH.nEmbd &&
    config.n_head === DEMO_ARCH.nHead &&
    config.vocab_size === DEMO_VOCAB_SIZE
  );
}
