/**
 * Streaming an export to a file from the CLI: the chunks go through an fs write stream as they are produced (waiting
 * for `drain` when the disk lags), into a temporary file beside the target that is renamed over it once complete. An
 * export that fails half-way leaves neither a partial file nor a changed target.
 */
import fs from "node:fs";
import path from "node:path";
import type { ByteSink } from "@/lib/export/export-output";

/** Writes to `target` through `write`'s sink; the file appears (atomically, by rename) only when `write` resolves. */
export async function writeExportFile<T>(target: string, write: (sink: ByteSink) => Promise<T>): Promise<T> {
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}`);
  const stream = fs.createWriteStream(partial);
  // A stream error (disk full, no such folder) rejects the pending write or the final close, whichever waits.
  let failure: Error | null = null;
  let wake: ((err: Error) => void) | null = null;
  stream.on("error", (err) => {
    // Worded with the target's name, as writing it directly would say (`ENOENT: …, open 'out/x.jsonl'`).
    failure = Object.assign(new Error(err.message.split(partial).join(target)), {
      code: (err as { code?: string }).code,
    });
    wake?.(failure);
  });
  const waitFor = (event: "drain" | "close") =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      wake = reject;
      stream.once(event, () => {
        wake = null;
        if (failure) reject(failure);
        else resolve();
      });
    });
  const sink: ByteSink = {
    write(chunk) {
      if (failure) throw failure;
      if (!stream.write(chunk)) return waitFor("drain");
    },
  };
  try {
    const result = await write(sink);
    const closed = waitFor("close");
    stream.end();
    await closed;
    fs.renameSync(partial, target);
    return result;
  } catch (err) {
    stream.destroy();
    fs.rmSync(partial, { force: true });
    throw err;
  }
}
