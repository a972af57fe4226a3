/**
 * A local stand-in for the Hugging Face Hub (none is reachable here), shaped like the real one where the app
 * depends on it: `/<org>/<name>/resolve/<revision>/<file>` serves a folder's files; weight files (`*.onnx`,
 * `*.onnx_data*`) answer 302 to a second origin (the Hub's LFS/Xet CDN); a missing file is 404 "Entry not
 * found"; an unknown repository, or a gated one without the right Bearer token, is 401. Both origins send CORS
 * headers (the page is cross-origin isolated, so responses also need them to be readable), and plain
 * `/files/<folder>/...` serves a folder for base-URL loading.
 * Dataset repositories (`options.datasets`) get the two routes the dataset loader uses:
 * `/api/datasets/<org>/<name>/tree/<revision>?recursive=true` lists the folder as the Hub does (`[{type, oid, size,
 * path, lfs?}]`, directories included, paged `options.pageSize` entries at a time with a `Link: <…>; rel="next"`
 * header and a `cursor` parameter), and `/datasets/<org>/<name>/resolve/<revision>/<path>` serves a file, data
 * files (Parquet and anything over 1 kB, stored in LFS on the Hub) by a 302 to the CDN origin. Only the revision
 * `main` (or `repo.revisions`) exists: another is 404 "Revision Not Found", like the Hub.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

/** One served repository: its folder on disk and, for a gated one, the token that opens it. */
export interface HubRepo {
  dir: string;
  token?: string;
  /** Revisions that exist (default: `main`); every one serves the same folder. */
  revisions?: string[];
}

/** Dataset repositories and how the listing pages. */
export interface FakeHubOptions {
  datasets?: Record<string, HubRepo>;
  /** Tree entries per page (the Hub pages its tree listing; default 1000). */
  pageSize?: number;
}

/** A running fake Hub. */
export interface FakeHub {
  /** Hub endpoint, e.g. `http://127.0.0.1:41234` (what the "Hub endpoint" field takes). */
  endpoint: string;
  /** Every request path the Hub origin saw, in order. */
  requests: string[];
  close(): Promise<void>;
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "authorization, range",
  "access-control-expose-headers": "content-length, link, x-error-code",
  "cross-origin-resource-policy": "cross-origin",
};

function listen(handler: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function send(res: http.ServerResponse, status: number, body: string | Buffer, headers: http.OutgoingHttpHeaders = {}) {
  res.writeHead(status, { ...CORS, "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Reads `rel` inside `dir`, refusing paths that leave it; null when absent. */
function readInside(dir: string, rel: string): Buffer | null {
  const file = path.resolve(dir, rel);
  if (!file.startsWith(path.resolve(dir) + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile())
    return null;
  return fs.readFileSync(file);
}

/** Every file and folder under `dir` as the Hub's tree route lists them (paths relative, `/`-separated, sorted). */
function treeEntries(dir: string): { type: "file" | "directory"; oid: string; size: number; path: string }[] {
  const out: { type: "file" | "directory"; oid: string; size: number; path: string }[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        out.push({ type: "directory", oid: "0".repeat(40), size: 0, path: p });
        walk(p);
      } else out.push({ type: "file", oid: "0".repeat(40), size: fs.statSync(path.join(dir, p)).size, path: p });
    }
  };
  walk("");
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** On the Hub, LFS holds Parquet files and big files; the resolve route redirects those to the CDN. */
function inLfs(file: string, size: number): boolean {
  return /\.(parquet|gz)$/i.test(file) || size > 1024;
}

/** Starts the Hub and CDN origins on free ports. `folders` are also served under `/files/<name>/`. */
export async function startFakeHub(
  repos: Record<string, HubRepo>,
  folders: Record<string, string> = {},
  options: FakeHubOptions = {},
) {
  const requests: string[] = [];
  const datasets = options.datasets ?? {};
  const pageSize = options.pageSize ?? 1000;
  const cdn = await listen((req, res) => {
    if (req.method === "OPTIONS") return send(res, 204, "");
    const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const d = /^\/blobs\/datasets\/([^/]+\/[^/]+)\/(.+)$/.exec(pathname);
    const m = d ? null : /^\/blobs\/([^/]+\/[^/]+)\/(.+)$/.exec(pathname);
    const body = d
      ? datasets[d[1]]
        ? readInside(datasets[d[1]].dir, d[2])
        : null
      : m && repos[m[1]]
        ? readInside(repos[m[1]].dir, m[2])
        : null;
    if (!body) return send(res, 404, "no such blob");
    send(res, 200, body, { "content-type": "application/octet-stream" });
  });
  const cdnOrigin = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;
  const hub = await listen((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(url.pathname);
    if (req.method === "OPTIONS") return send(res, 204, "");
    const files = /^\/files\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (files) {
      const body = folders[files[1]] ? readInside(folders[files[1]], decodeURIComponent(files[2])) : null;
      return body ? send(res, 200, body) : send(res, 404, "not found");
    }
    const tree = /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
    const resolve = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (tree || resolve) {
      const [, id, revision, rest] = (tree ?? resolve)!.map((p) => (p === undefined ? p : decodeURIComponent(p)));
      const repo = datasets[id];
      if (!repo || (repo.token && req.headers.authorization !== `Bearer ${repo.token}`)) {
        return send(res, 401, JSON.stringify({ error: "Repository not found" }), { "x-error-code": "RepoNotFound" });
      }
      if (!(repo.revisions ?? ["main"]).includes(revision)) {
        return send(res, 404, JSON.stringify({ error: "Revision Not Found" }), { "x-error-code": "RevisionNotFound" });
      }
      if (tree) {
        const prefix = rest ? `${rest.replace(/\/+$/, "")}/` : "";
        const all = treeEntries(repo.dir).filter((e) => e.path.startsWith(prefix));
        // Without recursive=true the Hub lists one level only.
        const listed =
          url.searchParams.get("recursive") === "true"
            ? all
            : all.filter((e) => !e.path.slice(prefix.length).includes("/"));
        const start = Number(url.searchParams.get("cursor") ?? 0);
        const page = listed.slice(start, start + pageSize).map((e) => {
          const big = e.type === "file" && inLfs(e.path, e.size);
          return big ? { ...e, lfs: { oid: "1".repeat(64), size: e.size, pointerSize: 134 } } : e;
        });
        const headers: http.OutgoingHttpHeaders = { "content-type": "application/json" };
        if (start + pageSize < listed.length) {
          const next = new URL(url.pathname + url.search, endpoint);
          next.searchParams.set("cursor", String(start + pageSize));
          headers.link = `<${next.href}>; rel="next"`;
        }
        return send(res, 200, JSON.stringify(page), headers);
      }
      const body = readInside(repo.dir, rest!);
      if (!body) {
        return send(res, 404, JSON.stringify({ error: "Entry not found" }), { "x-error-code": "EntryNotFound" });
      }
      if (inLfs(rest!, body.length)) {
        return send(res, 302, "", { location: `${cdnOrigin}/blobs/datasets/${id}/${encodeURIComponent(rest!)}` });
      }
      return send(res, 200, body);
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!m) return send(res, 404, "not found");
    const [, id, , file] = m.map(decodeURIComponent);
    const repo = repos[id];
    const auth = req.headers.authorization;
    if (!repo || (repo.token && auth !== `Bearer ${repo.token}`)) {
      return send(res, 401, JSON.stringify({ error: "Repository not found" }), { "x-error-code": "RepoNotFound" });
    }
    if (!readInside(repo.dir, file)) {
      return send(res, 404, JSON.stringify({ error: "Entry not found" }), { "x-error-code": "EntryNotFound" });
    }
    if (/\.onnx(_data(_\d+)?)?$/.test(file)) {
      return send(res, 302, "", { location: `${cdnOrigin}/blobs/${id}/${encodeURIComponent(file)}` });
    }
    send(res, 200, readInside(repo.dir, file)!);
  });
  const endpoint = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
  const close = (s: http.Server) => new Promise<void>((resolve) => s.close(() => resolve()));
  return {
    endpoint,
    requests,
    close: async () => {
      hub.closeAllConnections();
      cdn.closeAllConnections();
      await Promise.all([close(hub), close(cdn)]);
    },
  } satisfies FakeHub;
}
