/**
 * Downloads of model files over HTTP(S), kept in the browser's Cache API so a model is fetched once; size and
 * clearing for the "Clear model cache" button. Works in the page and in workers; without `caches` (Node, or an
 * insecure context) files are fetched every time.
 */
import { ModelSourceError, type ModelFileReader } from "@/lib/scoring/model-source";

/** Name of the Cache API bucket holding downloaded model files. */
export const MODEL_CACHE_NAME = "margin-atlas-models-v1";

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

/**
 * A reader over `<baseUrl><path>`: a 404 means the folder has no such file (optional files, quantised variants);
 * so do 401 and 403, which the Hub answers for repositories that do not exist or that need a token (the reason is
 * kept for {@link ModelFileReader.whyMissing}). Other failures throw. `token` is sent as `Authorization: Bearer`.
 * Successful downloads go into the Cache API; later reads come from there.
 */
export function createUrlReader(
  baseUrl: string,
  fetchFn: typeof fetch = fetch,
  options: { token?: string } = {},
): ModelFileReader {
  const missing = new Map<string, string>();
  const init: RequestInit | undefined = options.token
    ? { headers: { authorization: `Bearer ${options.token}` } }
    : undefined;
  return {
    location: baseUrl,
    whyMissing: (path) => missing.get(path) ?? null,
    async read(path, onProgress) {
      const url = new URL(path, new URL(baseUrl, globalThis.location?.href ?? "http://localhost/")).href;
      const store = cacheStorage();
      const cache = store ? await store.open(MODEL_CACHE_NAME) : null;
      const hit = await cache?.match(url);
      if (hit) return readBody(hit, onProgress);
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
      const bytes = await readBody(res, onProgress);
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

/** Bytes held in the model cache (0 when the Cache API is unavailable). */
export async function modelCacheBytes(): Promise<number> {
  const store = cacheStorage();
  if (!store || !(await store.has(MODEL_CACHE_NAME))) return 0;
  const cache = await store.open(MODEL_CACHE_NAME);
  let total = 0;
  for (const req of await cache.keys()) {
    const res = await cache.match(req);
    const size = Number(res?.headers.get(SIZE_HEADER));
    total += Number.isFinite(size) ? size : ((await res?.arrayBuffer())?.byteLength ?? 0);
  }
  return total;
}

/** Deletes every cached model file. */
export async function clearModelCache(): Promise<void> {
  await cacheStorage()?.delete(MODEL_CACHE_NAME);
}
