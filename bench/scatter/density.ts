/**
 * Cost of density shading: `rasterize` alone in Node for synthetic margin pairs (the generator of page.ts),
 * density "off" vs "on" in the same process, configurations interleaved per repetition so that load drifts
 * hit both alike. Usage: `npx tsx bench/scatter/density.ts [--n 1e6] [--width 900] [--height 420] [--reps 9]
 * [--sizes 1,2,3] [--baseline <git rev>] [--png]`. `--baseline` adds "off" rows for lib/scatter/raster.ts as of
 * that revision (e.g. the commit before density shading), run in the same process, to check that "off" did not
 * slow down; `--png` writes the frames to bench/out/scatter-density/ for a look.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { deflateSync } from "node:zlib";
import { createPaletteSet } from "@/lib/scatter/palette";
import type { DensityMode } from "@/lib/scatter/protocol";
import * as current from "@/lib/scatter/raster";
import { createTransform, fitExtent } from "@/lib/scatter/viewport";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const n = Number(arg("n", "1e6"));
const width = Number(arg("width", "900"));
const height = Number(arg("height", "420"));
const reps = Number(arg("reps", "9"));
const sizes = arg("sizes", "2").split(",").map(Number);
const baselineRev = arg("baseline", "");
const outDir = path.resolve(import.meta.dirname, "../out/scatter-density");
const writePng = process.argv.includes("--png");

/** Same synthetic pairs as page.ts: x ~ N(0.5, 1), y correlated with x, 1 % NaN colour, a random half selected. */
function makeData(count: number) {
  let s = 0x9e3779b9;
  const rand = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const xs = new Float64Array(count);
  const ys = new Float64Array(count);
  const color = new Float64Array(count);
  const mask = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    xs[i] = 0.5 + gauss();
    ys[i] = 0.3 * xs[i] + 0.8 * gauss();
    color[i] = rand() < 0.01 ? NaN : xs[i] - 0.5 * Math.abs(ys[i]);
    mask[i] = rand() < 0.5 ? 1 : 0;
  }
  return { xs, ys, color, mask };
}

type Rasterize = typeof current.rasterize;

/** Minimal RGBA PNG (one IDAT, no filtering) so the frames can be looked at without a browser. */
function png(pixels: Uint32Array, w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, k) => {
    let c = k;
    for (let j = 0; j < 8; j++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const byte of b) c = crcTable[(c ^ byte) & 255] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const rgba = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const raw = Buffer.alloc(h * (w * 4 + 1));
  for (let y = 0; y < h; y++) rgba.copy(raw, y * (w * 4 + 1) + 1, y * w * 4, (y + 1) * w * 4);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([sig, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

async function main(): Promise<void> {
  const data = makeData(n);
  const colorIndex = current.colorIndices(data.color, current.colorDomain(data.color));
  const transform = createTransform(fitExtent(data.xs, data.ys), width, height);
  const pixels = new Uint32Array(width * height);
  const impls: { name: string; rasterize: Rasterize }[] = [];
  if (baselineRev) {
    // The old module, with its sibling imports pointed at today's lib/scatter (palette and viewport).
    const source = execFileSync("git", ["show", `${baselineRev}:lib/scatter/raster.ts`], { encoding: "utf8" });
    const libDir = path.resolve(import.meta.dirname, "../../lib/scatter");
    // Outside the repository: tsc and ESLint check every .ts file in it, git-ignored or not.
    const file = path.join(await mkdtemp(path.join(tmpdir(), "scatter-density-")), "raster.ts");
    await writeFile(file, source.replace(/from "\.\//g, `from "${libDir}/`));
    const mod = (await import(file)) as { rasterize: Rasterize };
    impls.push({ name: `raster.ts @ ${baselineRev}`, rasterize: mod.rasterize });
  }
  impls.push({ name: "this tree", rasterize: current.rasterize });
  const modes: DensityMode[] = ["off", "on"];
  interface Config {
    label: string;
    run: () => ReturnType<Rasterize>;
    times: number[];
    stats?: ReturnType<Rasterize>;
  }
  const configs: Config[] = [];
  for (const size of sizes) {
    for (const withMask of [true, false]) {
      for (const impl of impls) {
        for (const density of impl.rasterize === current.rasterize ? modes : (["off"] as const)) {
          const palette = createPaletteSet({ density });
          const input = {
            xs: data.xs,
            ys: data.ys,
            colorIndex,
            mask: withMask ? data.mask : null,
            transform,
            pointSizePx: size,
            palette,
          };
          configs.push({
            label: `| ${impl.name} | ${density} | ${size} | ${withMask ? "half" : "none"}`,
            run: () => impl.rasterize(pixels, width, height, input),
            times: [],
          });
        }
      }
    }
  }
  for (const c of configs) for (let w = 0; w < 2; w++) c.run();
  for (let r = 0; r < reps; r++) {
    for (const c of configs) {
      const t0 = performance.now();
      c.stats = c.run();
      c.times.push(performance.now() - t0);
    }
  }
  const cpu = cpus();
  console.log(
    `rasterize alone, Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? "?"}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}; ${n.toExponential(0).replace("+", "")} points at ${width}×${height} device px, median of ${reps} ` +
      "after 2 warm-ups, configurations interleaved.\n",
  );
  console.log("| rasterizer | density | point px | selected | median ms | min–max ms | max count |");
  console.log("|---|---|---|---|---|---|---|");
  for (const c of configs) {
    const t = c.times;
    console.log(
      `${c.label} | ${fmt(median(t))} | ${fmt(Math.min(...t))}–${fmt(Math.max(...t))} | ` +
        `${c.stats?.maxCount ?? "—"} |`,
    );
  }
  if (writePng) {
    await mkdir(outDir, { recursive: true });
    for (const [i, c] of configs.entries()) {
      c.run();
      await writeFile(path.join(outDir, `frame-${i}.png`), png(pixels, width, height));
      console.error(`frame-${i}.png: ${c.label}`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
