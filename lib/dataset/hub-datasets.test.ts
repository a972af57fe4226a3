import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeHub, type FakeHub } from "@/e2e/hub-server";
import {
  downloadDataFile,
  groupOf,
  hubDatasetFileUrl,
  hubDatasetTreeUrl,
  isDataFile,
  listHubDataset,
  nextLink,
  parseDatasetUrl,
  parseHubDatasetId,
  preferredGroup,
  type HubDatasetError,
} from "@/lib/dataset/hub-datasets";
import { openSources } from "@/lib/dataset/multi-source";
import { paperParquet } from "@/test/source-helpers";
import { makeRepoFolder, type RepoFolder } from "@/test/repo-folder";

describe("parseHubDatasetId", () => {
  it.each([
    ["org/prefs", "", { id: "org/prefs", revision: "main" }],
    [" org/prefs@v1.0 ", "", { id: "org/prefs", revision: "v1.0" }],
    ["org/prefs", "refs/convert/parquet", { id: "org/prefs", revision: "refs/convert/parquet" }],
    ["org/prefs@dev:default", "", { id: "org/prefs", revision: "dev", config: "default" }],
    [
      "org/prefs:default/train_prefs",
      "",
      { id: "org/prefs", revision: "main", config: "default", split: "train_prefs" },
    ],
  ])("%s (revision field %j)", (text, revision, expected) => {
    expect(parseHubDatasetId(text, revision)).toEqual(expected);
  });

  it.each([
    ["prefs", "", /not a Hub dataset id: expected org\/name/],
    ["https://huggingface.co/datasets/org/prefs", "", /not a Hub dataset id/],
    ["org/prefs@v1", "v2", /names revision "v1" but the Revision field says "v2"/],
  ])("refuses %s", (text, revision, message) => {
    expect(() => parseHubDatasetId(text, revision)).toThrow(message);
  });
});

describe("Hub routes and path conventions", () => {
  it("builds the tree and resolve URLs the Hub serves", () => {
    const ref = { id: "org/prefs", revision: "refs/convert/parquet" };
    expect(hubDatasetTreeUrl("https://hf.example/", ref)).toBe(
      "https://hf.example/api/datasets/org/prefs/tree/refs%2Fconvert%2Fparquet?recursive=true&expand=false",
    );
    expect(hubDatasetFileUrl("https://hf.example", ref, "default/train/0000 a.parquet")).toBe(
      "https://hf.example/datasets/org/prefs/resolve/refs%2Fconvert%2Fparquet/default/train/0000%20a.parquet",
    );
  });

  it.each([
    ["data/train-00000-of-00004.parquet", "default", "train"],
    ["data/train_prefs-00000-of-00001-5a3bc1d2e4f6a7b8.parquet", "default", "train_prefs"],
    ["harmless/test-00000-of-00001.parquet", "harmless", "test"],
    ["default/train/0000.parquet", "default", "train"],
    ["en/validation/0003.parquet", "en", "validation"],
    ["train/part-1.jsonl.gz", "default", "train"],
    ["data/sub/test/shard_2.jsonl", "sub", "test"],
    ["test.jsonl", "default", "test"],
    ["dpo_en_demo.json", "default", "dpo_en_demo"],
    ["pairs/chunk-3.csv", "pairs", "chunk"],
  ])("%s → %s / %s", (p, config, split) => {
    expect(groupOf(p)).toEqual({ config, split });
  });

  it.each([
    ["data/train-00000-of-00001.parquet", true],
    ["x.tsv.gz", true],
    ["README.md", false],
    [".gitattributes", false],
    ["dataset_infos.json", false],
    ["_cache/train.jsonl", false],
    ["load.py", false],
  ])("isDataFile(%s) = %s", (p, expected) => {
    expect(isDataFile(p)).toBe(expected);
  });

  it("reads the next page from a Link header", () => {
    expect(nextLink('<https://hf.example/api/datasets/a/b/tree/main?cursor=xyz>; rel="next"')).toBe(
      "https://hf.example/api/datasets/a/b/tree/main?cursor=xyz",
    );
    expect(nextLink('<https://x/prev>; rel="prev"')).toBeNull();
    expect(nextLink(null)).toBeNull();
  });

  it("names a URL's file after its last path segment", () => {
    expect(parseDatasetUrl("https://example.org/d/train%201.jsonl?download=true")).toEqual({
      url: "https://example.org/d/train%201.jsonl?download=true",
      name: "train 1.jsonl",
    });
    expect(() => parseDatasetUrl("ftp://example.org/x.jsonl")).toThrow(/http/);
    expect(() => parseDatasetUrl("https://example.org/")).toThrow(/names no file/);
  });
});

describe("listing and streaming a dataset repository from a fake Hub", () => {
  let hub: FakeHub;
  let repo: RepoFolder;
  const shardRows = [3, 4];

  beforeAll(async () => {
    repo = makeRepoFolder({
      "README.md": "---\nconfigs: []\n---\n# prefs\n",
      ".gitattributes": "*.parquet filter=lfs\n",
      "dataset_infos.json": "{}",
      "data/train-00000-of-00002.parquet": paperParquet(shardRows[0]).buffer,
      "data/train-00001-of-00002.parquet": paperParquet(shardRows[1]).buffer,
      "data/test-00000-of-00001.parquet": paperParquet(2).buffer,
      "extra/validation.jsonl": '{"prompt": "p", "chosen": "a", "rejected": "b"}\n',
    });
    // Two entries a page: the listing must follow the Link header across pages.
    hub = await startFakeHub(
      {},
      {},
      {
        datasets: { "org/prefs": { dir: repo.dir }, "org/gated": { dir: repo.dir, token: "hf_good" } },
        pageSize: 2,
      },
    );
  });

  afterAll(async () => {
    await hub?.close();
    repo?.remove();
  });

  it("lists every page of the tree route and groups the data files by config and split", async () => {
    hub.requests.length = 0;
    const listing = await listHubDataset(parseHubDatasetId("org/prefs"), { endpoint: hub.endpoint });
    expect(listing.groups.map((g) => [g.config, g.split, g.files.map((f) => f.path)])).toEqual([
      ["default", "train", ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]],
      ["default", "test", ["data/test-00000-of-00001.parquet"]],
      ["extra", "validation", ["extra/validation.jsonl"]],
    ]);
    expect(listing.skipped).toBe(3);
    const pages = hub.requests.filter((r) => r === "/api/datasets/org/prefs/tree/main");
    // 9 entries (6 files, 3 folders) at 2 a page.
    expect(pages.length).toBe(5);
    const train = listing.groups[0].files[0];
    expect(train.size).toBe(repo.size(train.path));
    expect(train.url).toBe(`${hub.endpoint}/datasets/org/prefs/resolve/main/data/train-00000-of-00002.parquet`);
  });

  it("streams the picked shards (resolve → 302 → CDN) and opens them as one dataset", async () => {
    const ref = parseHubDatasetId("org/prefs:default/train");
    const listing = await listHubDataset(ref, { endpoint: hub.endpoint });
    const group = preferredGroup(listing.groups, ref)!;
    expect(group.split).toBe("train");
    hub.requests.length = 0;
    const progress: number[] = [];
    const files = await Promise.all(
      group.files.map(async (f) => ({
        name: f.path,
        blob: await downloadDataFile(f.url, { endpoint: hub.endpoint }, (loaded) => progress.push(loaded)),
      })),
    );
    expect(hub.requests).toEqual(group.files.map((f) => `/datasets/org/prefs/resolve/main/${f.path}`));
    for (const f of files) expect(new Uint8Array(await f.blob.arrayBuffer())).toEqual(repo.bytes(f.name));
    expect(progress.length).toBeGreaterThan(0);
    const opened = await openSources(files);
    expect(opened.ok && opened.data.rowCount).toBe(shardRows[0] + shardRows[1]);
    expect(opened.ok && opened.data.info.name).toBe("train.parquet");
  });

  it("serves a small file without a redirect", async () => {
    const url = hubDatasetFileUrl(hub.endpoint, { id: "org/prefs", revision: "main" }, "extra/validation.jsonl");
    expect(await (await downloadDataFile(url, { endpoint: hub.endpoint })).text()).toContain('"chosen": "a"');
  });

  it("sends the token for a gated repository, to the endpoint only", async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const fetchFn: typeof fetch = (input, init) => {
      seen.push({ url: String(input), auth: new Headers(init?.headers).get("authorization") });
      return fetch(input, init);
    };
    const ref = parseHubDatasetId("org/gated");
    await expect(listHubDataset(ref, { endpoint: hub.endpoint, fetchFn })).rejects.toMatchObject({
      code: "NO_ACCESS",
      message: expect.stringMatching(/HTTP 401 .* it does not exist, or it is private or gated and needs a Hub token/),
    });
    await expect(listHubDataset(ref, { endpoint: hub.endpoint, token: "hf_bad" })).rejects.toThrow(
      /the token given has no access to it/,
    );
    const listing = await listHubDataset(ref, { endpoint: hub.endpoint, token: "hf_good", fetchFn });
    expect(listing.groups.length).toBe(3);
    expect(seen.filter((s) => s.auth !== null).every((s) => s.url.startsWith(hub.endpoint))).toBe(true);
    seen.length = 0;
    await downloadDataFile("http://localhost:9/elsewhere.jsonl", {
      endpoint: hub.endpoint,
      token: "hf_good",
      fetchFn,
    }).catch(() => undefined);
    expect(seen).toEqual([{ url: "http://localhost:9/elsewhere.jsonl", auth: null }]);
  });

  it("says what is wrong: no such revision, no such repository, no data files, a server that is down", async () => {
    const access = { endpoint: hub.endpoint };
    await expect(listHubDataset(parseHubDatasetId("org/prefs@nope"), access)).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("dataset org/prefs@nope: not found (HTTP 404"),
    });
    await expect(listHubDataset(parseHubDatasetId("org/missing"), access)).rejects.toMatchObject({ code: "NO_ACCESS" });
    const empty = makeRepoFolder({ "README.md": "# nothing\n" });
    const other = await startFakeHub({}, {}, { datasets: { "org/empty": { dir: empty.dir } } });
    try {
      await expect(listHubDataset(parseHubDatasetId("org/empty"), { endpoint: other.endpoint })).rejects.toMatchObject({
        code: "NO_DATA_FILES",
        message: expect.stringMatching(/has no data files .* among its 1 files/),
      });
    } finally {
      await other.close();
      empty.remove();
    }
    const down = await listHubDataset(parseHubDatasetId("org/prefs"), { endpoint: "http://127.0.0.1:9" }).catch(
      (e: HubDatasetError) => e,
    );
    expect(down).toMatchObject({ code: "FETCH_FAILED", message: expect.stringContaining("MARGIN_ATLAS_CONNECT_SRC") });
  });
});
