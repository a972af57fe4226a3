/**
 * Downloads of model files over HTTP(S), kept in the browser's Cache API so a model is fetched once; size and
 * clearing for the "Clear model cache" button. Works in the page and in workers; without `caches` (Node, or an
 * insecure context) files are fetched every time.
 */
import { nextLink } from "@/lib/dataset/hub-datasets";
import { ModelSourceError, type ModelFileReader } from "@/lib/scoring/model-source";

/** Name of the Cache API bucket holding downloaded model files. */
export const MODEL_CACHE_NAME = "margin-atlas-models-v1";
/** Every bucket this app ever named (older layouts included): what the cache size counts and "Clear" deletes. */
const CACHE_PREFIX = "margin-atlas-models";

/** Header recording the byte size of a cached file, so the cache size is known without reading bodies. */
const SIZE_HEADER = "x-margin-atlas-bytes";

function cacheStorage(): CacheStorage | null {
  return typeof caches === "undefined" ? null : caches;
}

async function readBody(
  res: Response,
  onProgress?: (loadedBytes: number, totalBytes: number | null) => void,
): Promise<Uint8Array> {
  const totalHeader = Number(res.headers.get("content-length"));
  const total = Number.isFinite(totalHeader) && totalHeader > 0 ? totalHeader : null;
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.(loaded, total);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A folder's files as its listing gives them: path → size in bytes (null when the listing has no size). */
export type FolderListing = Map<string, number | null>;

/** The file the app's own model folders carry (written by scripts/build-models.ts): the Hub's tree entries. */
export const FILE_LIST_NAME = "files.json";

/** How a reader learns which files a folder holds before asking for them. */
export type ListingMode = "auto" | "hub" | "manifest" | "none";

/**
 * Where a folder's file list can be read, so optional files that are absent are never requested (each such 404
 * is a console error in the browser): for a Hub `…/<org>/<name>/resolve/<revision>/` URL the Hub's tree route,
 * for a folder on the page's own origin (the app's `/models/…`) its {@link FILE_LIST_NAME}. Null (probe each file)
 * for other servers: asking them for a list they do not have would itself be a 404.
 */
export function listingUrlFor(baseUrl: string, mode: ListingMode = "auto", pageOrigin?: string): string | null {
  if (mode === "none") return null;
  const base = new URL(baseUrl, globalThis.location?.href ?? "http://localhost/");
  const hub = /^(.*)\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/$/.exec(base.pathname);
  if (hub && !hub[1].endsWith("/datasets") && mode !== "manifest") {
    const [, prefix, org, name, revision] = hub;
    return `${base.origin}${prefix}/api/models/${org}/${name}/tree/${revision}?recursive=true&expand=false`;
  }
  if (mode === "hub") return null;
  const origin = pageOrigin ?? globalThis.location?.origin;
  return mode === "manifest" || base.origin === origin ? new URL(FILE_LIST_NAME, base).href : null;
}

/** The {@link FILE_LIST_NAME} entries of a folder's files (path → contents): sorted, sizes in bytes. */
export function fileListEntries(
  files: Record<string, string | Uint8Array>,
): { type: "file"; path: string; size: number }[] {
  const enc = new TextEncoder();
  return Object.entries(files)
    .map(([path, contents]) => ({
      type: "file" as const,
      path,
      size: typeof contents === "string" ? enc.encode(contents).length : contents.length,
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Adds the files of one listing page (`[{type, path, size, lfs?: {size}}]`, as the Hub's tree route and
 * files.json give them) to `into`. Returns false when `json` is not such a list.
 */
export function addListingPage(json: unknown, into: FolderListing): boolean {
  if (!Array.isArray(json)) return false;
  for (const e of json as { type?: unknown; path?: unknown; size?: unknown; lfs?: { size?: unknown } | null }[]) {
    if (e?.type !== "file" || typeof e.path !== "string") continue;
    const size = Number(e.lfs?.size ?? e.size);
    into.set(e.path, Number.isFinite(size) && size >= 0 ? size : null);
  }
  return true;
}

/** Reads a folder listing (every page); null when there is none or it cannot be read, so callers probe instead. */
async function fetchListing(url: string, fetchFn: typeof fetch, init?: RequestInit): Promise<FolderListing | null> {
  const listing: FolderListing = new Map();
  const origin = new URL(url).origin;
  let next: string | null = url;
  for (let page = 0; next; page++) {
    if (page > 1000 || new URL(next).origin !== origin) return null;
    try {
      const res: Response = init ? await fetchFn(next, init) : await fetchFn(next);
      if (!res.ok || !addListingPage(await res.json(), listing)) return null;
      next = nextLink(res.headers.get("link"));
    } catch {
      return null;
    }
  }
  return listing;
}

/** Why a cached copy cannot be trusted (a cut write, a foreign entry, a changed file), or null when it can. */
function cachedCopyProblem(res: Response, body: Uint8Array, listed: number | null): string | null {
  const recorded = res.headers.get(SIZE_HEADER);
  const size = Number(recorded);
  if (recorded === null || !Number.isInteger(size) || size < 0) {
    return `has no size record (${body.length} bytes; not written by this version of the app)`;
  }
  if (body.length !== size) return `holds ${body.length} of its ${size} bytes (an interrupted write)`;
  if (listed !== null && listed !== size) {
    return `is ${size} bytes but the folder now lists ${listed} bytes (the file changed on the server)`;
  }
  return null;
}

/**
 * A reader over `<baseUrl><path>`: a 404 means the folder has no such file (optional files, quantised variants);
 * so do 401 and 403, which the Hub answers for repositories that do not exist or that need a token (the reason is
 * kept for {@link ModelFileReader.whyMissing}). Other failures throw. `token` is sent as `Authorization: Bearer`.
 * When the folder has a listing ({@link listingUrlFor}), files it does not name are not requested, and a download
 * or cached copy whose size differs from the listed one is refused or fetched again.
 * Successful downloads go into the Cache API; later reads come from there after their size is checked: a damaged
 * or foreign entry is deleted, downloaded again and reported by `notices()`.
 */
export function createUrlReader(
  baseUrl: string,
  fetchFn: typeof fetch = fetch,
  options: { token?: string; listing?: ListingMode } = {},
): ModelFileReader {
  const missing = new Map<string, string>();
  const notices: string[] = [];
  const init: RequestInit | undefined = options.token
    ? { headers: { authorization: `Bearer ${options.token}` } }
    : undefined;
  const listUrl = listingUrlFor(baseUrl, options.listing);
  let listing: Promise<FolderListing | null> | null = null;
  const urlOf = (path: string) =>
    new URL(path, new URL(baseUrl, globalThis.location?.href ?? "http://localhost/")).href;
  const openCache = async () => {
    const store = cacheStorage();
    return store ? store.open(MODEL_CACHE_NAME) : null;
  };
  return {
    location: baseUrl,
    whyMissing: (path) => missing.get(path) ?? null,
    notices: () => [...notices],
    async forget(path) {
      const cache = await openCache();
      return (await cache?.delete(urlOf(path))) ?? false;
    },
    async read(path, onProgress) {
      const url = urlOf(path);
      listing ??= listUrl ? fetchListing(listUrl, fetchFn, init) : Promise.resolve(null);
      const files = await listing;
      if (files && !files.has(path)) {
        missing.set(path, `not in the folder's file list, ${listUrl}`);
        return null;
      }
      const listed = files?.get(path) ?? null;
      const cache = await openCache();
      const hit = await cache?.match(url);
      if (hit) {
        let problem: string | null;
        let body: Uint8Array | null = null;
        try {
          body = await readBody(hit, onProgress);
          problem = cachedCopyProblem(hit, body, listed);
        } catch (e) {
          problem = `cannot be read (${(e as Error).message})`;
        }
        if (!problem && body) return body;
        await cache!.delete(url);
        notices.push(`The cached copy of ${path} ${problem}: it was deleted and downloaded again.`);
      }
      let res: Response;
      try {
        res = init ? await fetchFn(url, init) : await fetchFn(url);
      } catch (e) {
        // The browser says only "Failed to fetch" for a server that is down, a CORS refusal and a CSP block alike.
        throw new ModelSourceError(
          `cannot reach ${url}: ${(e as Error).message} (the server is down or refuses CORS, or its origin is not ` +
            "allowed by the app's Content-Security-Policy: add it to MARGIN_ATLAS_CONNECT_SRC where the app is served)",
          "FETCH_FAILED",
        );
      }
      if (res.status === 404) {
        missing.set(path, `HTTP 404 for ${url}`);
        return null;
      }
      if (res.status === 401 || res.status === 403) {
        const why = options.token
          ? "the token given has no access to it"
          : "the repository does not exist, or it is private or gated and needs a Hub token";
        missing.set(path, `HTTP ${res.status} for ${url}: ${why}`);
        return null;
      }
      if (!res.ok) throw new ModelSourceError(`${url}: HTTP ${res.status}`, "FETCH_FAILED");
      let bytes: Uint8Array;
      try {
        bytes = await readBody(res, onProgress);
      } catch (e) {
        throw new ModelSourceError(
          `the download of ${url} broke off (${(e as Error).message}); a complete download is needed: try again`,
          "TRUNCATED_FILE",
        );
      }
      if (listed !== null && bytes.length !== listed) {
        throw new ModelSourceError(
          `${path} is ${bytes.length < listed ? "truncated" : "longer than listed"}: the download of ${url} gave ` +
            `${bytes.length} bytes but the folder lists ${listed} bytes (a complete download is needed)`,
          "TRUNCATED_FILE",
        );
      }
      if (cache) {
        const headers = { "content-type": "application/octet-stream", [SIZE_HEADER]: String(bytes.length) };
        await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers })).catch(() => {
          // A full quota only costs a re-download next time; the model still loads.
        });
      }
      return bytes;
    },
  };
}

/** Names of this app's model cache buckets, the current one and any left by an older layout. */
async function bucketNames(store: CacheStorage): Promise<string[]> {
  return (await store.keys()).filter((name) => name.startsWith(CACHE_PREFIX));
}

/** Bytes held in the model cache, older buckets included (0 when the Cache API is unavailable). */
export async function modelCacheBytes(): Promise<number> {
  const store = cacheStorage();
  if (!store) return 0;
  let total = 0;
  for (const name of await bucketNames(store)) {
    const cache = await store.open(name);
    for (const req of await cache.keys()) {
      const res = await cache.match(req);
      const size = Number(res?.headers.get(SIZE_HEADER) ?? NaN);
      total += Number.isFinite(size) ? size : ((await res?.arrayBuffer())?.byteLength ?? 0);
    }
  }
  return total;
}

/** Deletes every cached model file, in the current bucket and in any an older version of the app left. */
export async function clearModelCache(): Promise<void> {
  const store = cacheStorage();
  if (!store) return;
  for (const name of await bucketNames(store)) await store.delete(name);
}
