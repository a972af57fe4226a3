/**
 * Streaming an export into a file the user picked (File System Access API): the dataset worker gets the
 * `FileSystemFileHandle` from the main thread's `showSaveFilePicker`, opens it with `createWritable()` and writes each
 * chunk as it is produced. The browser writes into a swap file and puts it in place only on `close()`, so an export
 * that fails or is cancelled is `abort()`ed and never shows up as a complete file.
 */
import type { ByteSink } from "@/lib/export/export-output";
import { ExportError } from "@/lib/export/export-error";

/** The part of `FileSystemWritableFileStream` an export uses. */
export interface WritableFileLike {
  write(data: Uint8Array<ArrayBuffer>): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
}

/** The part of `FileSystemFileHandle` an export uses (`remove` is Chromium's, not everywhere). */
export interface FileHandleLike {
  readonly name: string;
  createWritable(options?: { keepExistingData?: boolean }): Promise<WritableFileLike>;
  getFile?(): Promise<{ size: number }>;
  remove?(): Promise<void>;
}

const causeOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Opens `handle` for writing, lets `write` stream into it, and commits the file once `write` resolves. When `write`
 * (or the commit) fails, the writable is aborted, so the file keeps what it held before (a file the picker created
 * for the export, still empty, is removed where the browser allows), and the error is rethrown.
 */
export async function writeToFileHandle<T>(handle: FileHandleLike, write: (sink: ByteSink) => Promise<T>): Promise<T> {
  let writable: WritableFileLike;
  try {
    writable = await handle.createWritable({ keepExistingData: false });
  } catch (err) {
    throw new ExportError(`could not open ${handle.name} for writing: ${causeOf(err)}`, "export-file");
  }
  let committing = false;
  try {
    const result = await write({ write: (chunk) => writable.write(chunk) });
    committing = true;
    await writable.close();
    return result;
  } catch (err) {
    // After a failed close the stream is already errored: abort rejects, and there is nothing more to undo.
    await writable.abort(err).catch(() => {});
    await removeIfEmpty(handle);
    if (committing && !(err instanceof ExportError)) {
      throw new ExportError(`could not save ${handle.name}: ${causeOf(err)}`, "export-file");
    }
    throw err;
  }
}

/** Removes the picked file when it holds nothing (the browser created it when it was picked): best effort. */
async function removeIfEmpty(handle: FileHandleLike): Promise<void> {
  if (!handle.getFile || !handle.remove) return;
  try {
    if ((await handle.getFile()).size === 0) await handle.remove();
  } catch {
    // A file that can't be read or removed is left as it is: it is empty, not a partial export.
  }
}
