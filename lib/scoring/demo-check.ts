/** Recognises the bundled demo model (kept apart from model-source.ts so the page bundle never pulls in the demo builder). */
import { DEMO_ARCH } from "@/lib/scoring/demo/demo-models";

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
    config.vocab_size === 320
  );
}
