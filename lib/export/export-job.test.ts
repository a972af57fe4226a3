import { describe, expect, it } from "vitest";
import {
  createExportJob,
  describeExportState,
  type ExportJobClient,
  type ExportJobState,
} from "@/lib/export/export-job";
import { pickerOptions, pickSaveFile, saveFilePicker, type ShowSaveFilePicker } from "@/lib/export/save-picker";
import { WorkerCallError, type CallOptions } from "@/lib/worker/rpc";

/** A dataset client whose export calls report the given progress, then settle as the test says. */
function fakeClient() {
  const calls: { type: string; args: unknown }[] = [];
  let settle: { resolve: (v: unknown) => void; reject: (e: unknown) => void } | null = null;
  let progress: CallOptions["onProgress"];
  const client: ExportJobClient = {
    call(type, args, options) {
      calls.push({ type, args });
      if (type === "cancelExport") {
        settle?.reject(new WorkerCallError("the export was cancelled: nothing was saved", "export-cancelled"));
        return Promise.resolve(true) as never;
      }
      progress = options?.onProgress;
      return new Promise((resolve, reject) => (settle = { resolve, reject })) as never;
    },
  };
  return {
    client,
    calls,
    progress: (...a: Parameters<NonNullable<CallOptions["onProgress"]>>) => progress!(...a),
    resolve: (v: unknown) => settle!.resolve(v),
    reject: (e: unknown) => settle!.reject(e),
  };
}

const handle = { name: "picked.jsonl" } as FileSystemFileHandle;

describe("createExportJob", () => {
  it("streams to a picked file: running with progress, then done with the worker's count and bytes", async () => {
    const fake = fakeClient();
    const states: ExportJobState[] = [];
    const job = createExportJob({ client: fake.client, download: () => {}, onChange: (s) => states.push(s) });
    const done = job.toFile(handle, "jsonl", true);
    expect(fake.calls[0]).toMatchObject({ type: "exportTo", args: { handle, format: "jsonl", includeComputed: true } });
    fake.progress("writing", 0.5, { rows: 200_000, totalRows: 400_000, bytes: 240 * 1024 * 1024 });
    expect(describeExportState(job.state)).toBe("Writing picked.jsonl: 200,000 of 400,000 rows, 240.0 MB saved so far");
    fake.resolve({ count: 400_000, bytes: 481 * 1024 * 1024, fileName: "picked.jsonl" });
    await done;
    expect(job.state).toEqual({
      kind: "done",
      target: "file",
      fileName: "picked.jsonl",
      count: 400_000,
      bytes: 481 * 1024 * 1024,
    });
    expect(describeExportState(job.state)).toBe("Saved 400,000 rows (481.0 MB) to picked.jsonl.");
    expect(states[0]).toMatchObject({ kind: "running", rows: 0 });
  });

  it("downloads the worker's Blob under its name", async () => {
    const fake = fakeClient();
    const saved: [number, string][] = [];
    const job = createExportJob({
      client: fake.client,
      download: (b, n) => saved.push([b.size, n]),
      onChange: () => {},
    });
    const done = job.toDownload("d.selected.csv", "csv", false);
    expect(fake.calls[0]).toMatchObject({ type: "export", args: { format: "csv", includeComputed: false } });
    fake.progress("typing", 0.25, { rows: 1, totalRows: 4, bytes: 0 });
    expect(describeExportState(job.state)).toBe(
      "Reading column types d.selected.csv: 1 of 4 rows, 0.0 MB ready so far",
    );
    fake.resolve({ blob: new Blob(["a,b\n"]), fileName: "d.selected.csv", count: 4 });
    await done;
    expect(saved).toEqual([[4, "d.selected.csv"]]);
    expect(describeExportState(job.state)).toBe("Downloaded 4 rows (0.0 MB) as d.selected.csv.");
  });

  it("cancel asks the worker to stop that export, and the job ends cancelled without a download", async () => {
    const fake = fakeClient();
    const saved: string[] = [];
    const job = createExportJob({ client: fake.client, download: (_b, n) => saved.push(n), onChange: () => {} });
    const done = job.toDownload("x.selected.jsonl", "jsonl", false);
    const { exportId } = fake.calls[0].args as { exportId: number };
    job.cancel();
    expect(fake.calls[1]).toEqual({ type: "cancelExport", args: { exportId } });
    await done;
    expect(job.state).toEqual({ kind: "cancelled", target: "download", fileName: "x.selected.jsonl" });
    expect(describeExportState(job.state)).toBe("Export cancelled: nothing was downloaded.");
    expect(saved).toEqual([]);
    // Nothing runs now: a second cancel sends nothing.
    job.cancel();
    expect(fake.calls).toHaveLength(2);
  });

  it("says why an export failed, and refuses a second export while one runs", async () => {
    const fake = fakeClient();
    const job = createExportJob({ client: fake.client, download: () => {}, onChange: () => {} });
    const done = job.toFile(handle, "trl", true);
    await expect(job.toFile(handle, "trl", true)).rejects.toThrow("an export is already running");
    fake.reject(new WorkerCallError('cannot add the computed column "m_ap"', "export-column-clash"));
    await done;
    expect(describeExportState(job.state)).toBe('Export of picked.jsonl failed: cannot add the computed column "m_ap"');
    expect(describeExportState({ kind: "cancelled", target: "file", fileName: "f.parquet" })).toBe(
      "Export cancelled: f.parquet was not written.",
    );
  });
});

describe("save picker", () => {
  it.each([
    ["d.selected.jsonl", "jsonl", "application/x-ndjson", ".jsonl", "JSON Lines"],
    ["d.selected.trl.jsonl", "trl", "application/x-ndjson", ".jsonl", "TRL preference JSON Lines"],
    ["d.selected.parquet", "parquet", "application/vnd.apache.parquet", ".parquet", "Parquet"],
    ["d.selected.tsv", "tsv", "text/tab-separated-values", ".tsv", "TSV"],
  ] as const)("%s (%s) → %s %s", (name, format, mime, ext, description) => {
    expect(pickerOptions(name, format)).toEqual({
      suggestedName: name,
      types: [{ description, accept: { [mime]: [ext] } }],
      id: "margin-atlas-export",
    });
  });

  it("is there only where the page has showSaveFilePicker", () => {
    expect(saveFilePicker({})).toBeNull();
    expect(saveFilePicker(null)).toBeNull();
    expect(saveFilePicker({ showSaveFilePicker: async () => handle })).not.toBeNull();
  });

  it("a dismissed dialog is null; another failure is thrown", async () => {
    const dismissed: ShowSaveFilePicker = () =>
      Promise.reject(new DOMException("The user aborted a request.", "AbortError"));
    expect(await pickSaveFile(dismissed, "a.jsonl", "jsonl")).toBeNull();
    const blocked: ShowSaveFilePicker = () =>
      Promise.reject(new DOMException("Must be handling a user gesture", "SecurityError"));
    await expect(pickSaveFile(blocked, "a.jsonl", "jsonl")).rejects.toThrow("Must be handling a user gesture");
    const picked: ShowSaveFilePicker = async (options) => ({ name: options!.suggestedName }) as FileSystemFileHandle;
    expect((await pickSaveFile(picked, "a.csv", "csv"))?.name).toBe("a.csv");
  });
});
