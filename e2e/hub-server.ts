/**
 * A local stand-in for the Hugging Face Hub (none is reachable here), shaped like the real one where the app
 * depends on it: `/<org>/<name>/resolve/<revision>/<file>` serves a folder's files; weight files (`*.onnx`,
 * `*.onnx_data*`) answer 302 to a second origin (the Hub's LFS/Xet CDN); a missing file is 404 "Entry not
 * found"; an unknown repository, or a gated one without the right Bearer token, is 401. Both origins send CORS
 * headers (the page is cross-origin isolated, so responses also need them to be readable), and plain
 * `/files/<folder>/...` serves a folder for base-URL loading.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

/** One served repository: its folder on disk and, for a gated one, the token that opens it. */
export interface HubRepo {
  dir: string;
  token?: string;
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
  "access-control-expose-headers": "content-length",
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

/** Starts the Hub and CDN origins on free ports. `folders` are also served under `/files/<name>/`. */
export async function startFakeHub(repos: Record<string, HubRepo>, folders: Record<string, string> = {}) {
  const requests: string[] = [];
  const cdn = await listen((req, res) => {
    if (req.method === "OPTIONS") return send(res, 204, "");
    const m = /^\/blobs\/([^/]+\/[^/]+)\/(.+)$/.exec(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const body = m && repos[m[1]] ? readInside(repos[m[1]].dir, m[2]) : null;
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
