/**
 * Datasets from a Hugging Face Hub dataset repository (or a mirror set in "Hub settings") and from a plain URL.
 * Routes used, as the Hub serves them (and `huggingface_hub` / huggingface.js call them):
 * - `GET {endpoint}/api/datasets/{org}/{name}/tree/{revision}?recursive=true&expand=false`: the repository's files
 *   as JSON (`[{type, path, size, lfs?}]`), paged by a `Link: <…>; rel="next"` header;
 * - `GET {endpoint}/datasets/{org}/{name}/resolve/{revision}/{path}`: one file; LFS/Xet files answer 302 to the
 *   CDN, which `fetch` follows (the CSP's connect-src must allow the CDN: see lib/security/csp.ts).
 * The token is sent to the endpoint's origin only. Files are grouped by config and split from the path
 * conventions of the Hub's data-files layout (`data/train-00000-of-00004.parquet`, `<config>/<split>-*.parquet`,
 * `<config>/<split>/0000.parquet`, `train.jsonl`); a README's `configs:` block is not read.
 */
import { compareShardNames, DATA_FILE_EXTENSION } from "@/lib/dataset/shard-names";

/** A Hub or URL dataset that cannot be listed or read; `code` is stable for UI messages and tests. */
export class HubDatasetError extends Error {
  constructor(
    message: string,
    readonly code: "BAD_ID" | "BAD_URL" | "NOT_FOUND" | "NO_ACCESS" | "FETCH_FAILED" | "BAD_REPLY" | "NO_DATA_FILES",
  ) {
    super(message);
    this.name = "HubDatasetError";
  }
}

/** A dataset repository at a revision, optionally narrowed to one config and split (what the user typed). */
export interface HubDatasetRef {
  id: string;
  revision: string;
  config?: string;
  split?: string;
}

const HUB_DATASET_ID =
  /^([A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*)(?:@([^\s:]+))?(?::([^\s/]+)(?:\/([^\s/]+))?)?$/;

/**
 * Parses `org/name`, `org/name@revision` and either followed by `:config` or `:config/split` (git refs cannot hold
 * `:`, so it separates them). `revision` (a separate field) is used when the text names none; both differing is
 * refused rather than one silently winning.
 */
export function parseHubDatasetId(text: string, revision = ""): HubDatasetRef {
  const t = text.trim();
  const m = HUB_DATASET_ID.exec(t);
  if (!m) {
    throw new HubDatasetError(
      `"${t}" is not a Hub dataset id: expected org/name, optionally @revision and :config or :config/split (e.g. HuggingFaceH4/ultrafeedback_binarized@main:default/train_prefs)`,
      "BAD_ID",
    );
  }
  const field = revision.trim();
  if (m[2] && field && m[2] !== field) {
    throw new HubDatasetError(
      `the id names revision "${m[2]}" but the Revision field says "${field}": keep one`,
      "BAD_ID",
    );
  }
  const ref: HubDatasetRef = { id: m[1], revision: m[2] ?? (field || "main") };
  if (m[3]) ref.config = m[3];
  if (m[4]) ref.split = m[4];
  return ref;
}

/** `org/name` with each part URL-encoded. */
function repoPath(id: string): string {
  return id
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
}

/** The endpoint without trailing slashes. */
function base(endpoint: string): string {
  return endpoint.replace(/\/+$/, "");
}

/** URL of the tree listing of a dataset repository (first page). */
export function hubDatasetTreeUrl(endpoint: string, ref: Pick<HubDatasetRef, "id" | "revision">): string {
  return `${base(endpoint)}/api/datasets/${repoPath(ref.id)}/tree/${encodeURIComponent(ref.revision)}?recursive=true&expand=false`;
}

/** URL of one file of a dataset repository (the `resolve` route; LFS files redirect to the CDN). */
export function hubDatasetFileUrl(endpoint: string, ref: Pick<HubDatasetRef, "id" | "revision">, path: string): string {
  const file = path
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
  return `${base(endpoint)}/datasets/${repoPath(ref.id)}/resolve/${encodeURIComponent(ref.revision)}/${file}`;
}

/** A data file of a repository: where it is, how big, and the config / split its path puts it in. */
export interface HubDataFile {
  path: string;
  /** Bytes (the LFS object's size for LFS files). */
  size: number;
  config: string;
  split: string;
  url: string;
}

/** Files of one config and split, in shard order. */
export interface HubDataGroup {
  config: string;
  split: string;
  files: HubDataFile[];
  bytes: number;
}

/** Metadata files of `datasets`' `save_to_disk` and old loading scripts: JSON, but not rows. */
const METADATA_FILES = new Set(["dataset_info.json", "dataset_infos.json", "dataset_dict.json", "state.json"]);

/** True for a file the workbench can read as rows: Parquet, JSON Lines, JSON, CSV, TSV, each optionally .gz. */
export function isDataFile(path: string): boolean {
  const segments = path.split("/");
  // Hidden files and folders (`.gitattributes`, `.cache/`) and `_`-prefixed ones are not data, as in `datasets`.
  if (segments.some((s) => s.startsWith(".") || s.startsWith("_"))) return false;
  if (METADATA_FILES.has(segments[segments.length - 1])) return false;
  return DATA_FILE_EXTENSION.test(path);
}

/** Split names `datasets` recognises in file and folder names, mapped to its canonical split names. */
const SPLIT_WORDS: Record<string, string> = {
  train: "train",
  training: "train",
  validation: "validation",
  valid: "validation",
  val: "validation",
  dev: "validation",
  test: "test",
  testing: "test",
  eval: "test",
  evaluation: "test",
};

const SHARDED = /^(.+?)-\d+-of-\d+(?:-[0-9a-f]{8,})?$/i;

/**
 * The config and split a data file's path puts it in, after the Hub's conventions:
 * `data/train-00000-of-00004.parquet` → default/train; `<config>/<split>-00000-of-00001.parquet` → config/split;
 * `<config>/<split>/0000.parquet` (the Parquet conversion) → config/split; `train/part-1.jsonl` → default/train;
 * `test.jsonl` → default/test; any other file name is its own split.
 */
export function groupOf(path: string): { config: string; split: string } {
  const segments = path.split("/");
  const file = segments.pop() ?? path;
  const stem = file.replace(/\.gz$/i, "").replace(/\.[^.]+$/, "");
  const configOf = (dirs: string[]) => dirs.filter((d) => d !== "data").join("/") || "default";
  const sharded = SHARDED.exec(stem);
  if (sharded) return { config: configOf(segments), split: sharded[1] };
  if (/^\d+$/.test(stem) && segments.length > 0) {
    const split = segments[segments.length - 1];
    return { config: configOf(segments.slice(0, -1)), split };
  }
  const splitDir = segments.findIndex((d) => SPLIT_WORDS[d.toLowerCase()] !== undefined);
  if (splitDir >= 0) return { config: configOf(segments.slice(0, splitDir)), split: segments[splitDir] };
  return { config: configOf(segments), split: stem.replace(/[-_.]?\d+$/, "") || stem };
}

const SPLIT_ORDER = ["train", "validation", "test"];

function splitRank(split: string): number {
  const canonical = SPLIT_WORDS[split.toLowerCase()];
  const at = canonical ? SPLIT_ORDER.indexOf(canonical) : -1;
  return at >= 0 ? at : SPLIT_ORDER.length;
}

/** Groups data files by config and split: the default config first, then by name; train, validation, test first. */
export function groupDataFiles(files: readonly HubDataFile[]): HubDataGroup[] {
  const byKey = new Map<string, HubDataGroup>();
  for (const f of files) {
    const key = `${f.config}\u0000${f.split}`;
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { config: f.config, split: f.split, files: [], bytes: 0 }));
    g.files.push(f);
    g.bytes += f.size;
  }
  const groups = [...byKey.values()];
  for (const g of groups) g.files.sort((a, b) => compareShardNames(a.path, b.path));
  return groups.sort(
    (a, b) =>
      Number(b.config === "default") - Number(a.config === "default") ||
      compareShardNames(a.config, b.config) ||
      splitRank(a.split) - splitRank(b.split) ||
      compareShardNames(a.split, b.split),
  );
}

/** The group the user named (`:config/split`), else the first one (default config, train split). */
export function preferredGroup(groups: readonly HubDataGroup[], ref: HubDatasetRef): HubDataGroup | null {
  if (ref.config || ref.split) {
    return (
      groups.find((g) => (!ref.config || g.config === ref.config) && (!ref.split || g.split === ref.split)) ?? null
    );
  }
  return groups[0] ?? null;
}

/** How to reach the Hub: the endpoint from "Hub settings", the token (optional) and a fetch to use. */
export interface HubAccess {
  endpoint: string;
  token?: string;
  fetchFn?: typeof fetch;
}

/** Same origin as the endpoint: the only place the token is sent and paging links may point. */
function onEndpoint(url: string, endpoint: string): boolean {
  return new URL(url, globalThis.location?.href ?? "http://localhost/").origin === new URL(endpoint).origin;
}

async function request(url: string, access: HubAccess, accept?: string): Promise<Response> {
  const headers: Record<string, string> = {};
  if (accept) headers.accept = accept;
  if (access.token && onEndpoint(url, access.endpoint)) headers.authorization = `Bearer ${access.token}`;
  try {
    return await (access.fetchFn ?? fetch)(url, { headers });
  } catch (e) {
    // The browser says only "Failed to fetch" for a server that is down, a CORS refusal and a CSP block alike.
    throw new HubDatasetError(
      `cannot reach ${url}: ${(e as Error).message} (the server is down or refuses CORS, or its origin is not ` +
        "allowed by the app's Content-Security-Policy: add it to MARGIN_ATLAS_CONNECT_SRC where the app is served)",
      "FETCH_FAILED",
    );
  }
}

/** A clear error for a refused request (401/403: missing or wrong token, or no such repository; 404). */
function refused(res: Response, url: string, what: string, token: boolean): HubDatasetError {
  if (res.status === 401 || res.status === 403) {
    const why = token
      ? "the token given has no access to it"
      : "it does not exist, or it is private or gated and needs a Hub token (Hub settings)";
    return new HubDatasetError(`${what}: HTTP ${res.status} for ${url}: ${why}`, "NO_ACCESS");
  }
  if (res.status === 404) return new HubDatasetError(`${what}: not found (HTTP 404 for ${url})`, "NOT_FOUND");
  return new HubDatasetError(`${what}: HTTP ${res.status} for ${url}`, "FETCH_FAILED");
}

/** The `rel="next"` URL of a `Link` header, if any. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (m) return m[1];
  }
  return null;
}

/** What a repository listing found. */
export interface HubListing {
  ref: HubDatasetRef;
  groups: HubDataGroup[];
  /** Files of the repository that are not rows (README, scripts, images…). */
  skipped: number;
}

/** Lists a dataset repository's data files (every page of the tree route) and groups them by config and split. */
export async function listHubDataset(ref: HubDatasetRef, access: HubAccess): Promise<HubListing> {
  const what = `dataset ${ref.id}@${ref.revision}`;
  const files: HubDataFile[] = [];
  let skipped = 0;
  let url: string | null = hubDatasetTreeUrl(access.endpoint, ref);
  for (let page = 0; url; page++) {
    if (page > 10_000) throw new HubDatasetError(`${what}: the listing does not end`, "BAD_REPLY");
    const res = await request(url, access, "application/json");
    if (!res.ok) throw refused(res, url, what, !!access.token);
    let entries: unknown;
    try {
      entries = await res.json();
    } catch {
      throw new HubDatasetError(`${what}: ${url} did not answer JSON (is ${access.endpoint} a Hub?)`, "BAD_REPLY");
    }
    if (!Array.isArray(entries)) {
      throw new HubDatasetError(`${what}: ${url} answered ${typeof entries}, expected a list of files`, "BAD_REPLY");
    }
    for (const e of entries as { type?: unknown; path?: unknown; size?: unknown; lfs?: { size?: unknown } }[]) {
      if (e?.type !== "file" || typeof e.path !== "string") continue;
      if (!isDataFile(e.path)) {
        skipped++;
        continue;
      }
      const size = Number(e.lfs?.size ?? e.size ?? 0);
      files.push({
        path: e.path,
        size: Number.isFinite(size) ? size : 0,
        ...groupOf(e.path),
        url: hubDatasetFileUrl(access.endpoint, ref, e.path),
      });
    }
    const next = nextLink(res.headers.get("link"));
    if (next && !onEndpoint(next, access.endpoint)) {
      throw new HubDatasetError(
        `${what}: the listing's next page is on another origin (${next}); not followed`,
        "BAD_REPLY",
      );
    }
    url = next;
  }
  if (files.length === 0) {
    throw new HubDatasetError(
      `${what} has no data files (Parquet, JSON Lines, JSON, CSV or TSV, optionally .gz) among its ${skipped} files`,
      "NO_DATA_FILES",
    );
  }
  return { ref, groups: groupDataFiles(files), skipped };
}

/**
 * Downloads one file as a Blob, streaming: chunks are gathered into Blob parts as they come (the browser may keep
 * big Blobs on disk), never one growing buffer. The token goes to the Hub endpoint's origin only; a redirect to the
 * CDN is followed by `fetch`.
 */
export async function downloadDataFile(
  url: string,
  access: HubAccess,
  onProgress?: (loadedBytes: number, totalBytes: number | null) => void,
): Promise<Blob> {
  const res = await request(url, access);
  if (!res.ok) throw refused(res, url, "download", !!access.token && onEndpoint(url, access.endpoint));
  const header = Number(res.headers.get("content-length"));
  const total = Number.isFinite(header) && header > 0 ? header : null;
  if (!res.body) return res.blob();
  const reader = res.body.getReader();
  const parts: Blob[] = [];
  let chunks: Uint8Array[] = [];
  let pending = 0;
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    pending += value.length;
    loaded += value.length;
    if (pending >= 16 * 1024 * 1024) {
      parts.push(new Blob(chunks as BlobPart[]));
      chunks = [];
      pending = 0;
    }
    onProgress?.(loaded, total);
  }
  if (chunks.length > 0) parts.push(new Blob(chunks as BlobPart[]));
  return new Blob(parts);
}

/**
 * Checks a URL the user typed under "Open from URL" (http(s), or a path on this site) and names the file after its
 * last path segment (without the query), which is what format detection reads.
 */
export function parseDatasetUrl(text: string): { url: string; name: string } {
  const t = text.trim();
  let url: URL;
  try {
    url = new URL(t, globalThis.location?.href);
  } catch {
    throw new HubDatasetError(`"${t}" is not a URL (like https://example.org/data/train.jsonl)`, "BAD_URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new HubDatasetError(`"${t}" must be an http:// or https:// URL`, "BAD_URL");
  }
  const last = url.pathname.split("/").filter(Boolean).pop();
  if (!last) throw new HubDatasetError(`"${t}" names no file (its path ends in /)`, "BAD_URL");
  let name: string;
  try {
    name = decodeURIComponent(last);
  } catch {
    name = last;
  }
  return { url: url.href, name };
}
