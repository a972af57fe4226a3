/**
 * Harness page for the scatter smoke test (smoke.ts): mounts the real <MarginScatter> with synthetic
 * margins, outside Next.js so that it can be bundled by esbuild and driven without a production build.
 */
import { createRoot } from "react-dom/client";
import { useState } from "react";
import MarginScatter from "@/components/MarginScatter";
import { fitExtent } from "@/lib/scatter/viewport";

const n = Number(new URLSearchParams(location.search).get("n") ?? 100_000);
const xs = new Float64Array(n);
const ys = new Float64Array(n);
const color = new Float64Array(n);
const mask = new Uint8Array(n);
for (let i = 0; i < n; i++) {
  // A deterministic spiral-ish cloud; row 0 sits alone at (10, 10) so tests can hover it.
  const a = i * 0.01;
  xs[i] = i === 0 ? 10 : Math.cos(a) * (i / n) * 5;
  ys[i] = i === 0 ? 10 : Math.sin(a) * (i / n) * 5;
  color[i] = i % 50 === 0 ? NaN : xs[i] - Math.abs(ys[i]);
  mask[i] = i % 2;
}

/** Client pixel of a row in the initial (fitted) view, for the smoke test. */
function rowPixel(row: number): [number, number] {
  const area = document.querySelector('[aria-label^="Scatter plot area"]')!.getBoundingClientRect();
  const vp = fitExtent(xs, ys);
  return [
    area.left + ((xs[row] - vp.xMin) / (vp.xMax - vp.xMin)) * area.width,
    area.top + ((vp.yMax - ys[row]) / (vp.yMax - vp.yMin)) * area.height,
  ];
}
(window as unknown as { harness: unknown }).harness = { n, rowPixel };

function Harness() {
  const [maskVersion, setMaskVersion] = useState(0);
  const [domains, setDomains] = useState<{ x: [number, number] | null; y: [number, number] | null }>({
    x: null,
    y: null,
  });
  const [opened, setOpened] = useState<number[]>([]);
  const [hovered, setHovered] = useState<number | null>(null);
  return (
    <div style={{ width: 900, padding: 10 }}>
      <button
        type="button"
        onClick={() => {
          for (let i = 0; i < n; i++) mask[i] = mask[i] ? 0 : 1;
          setMaskVersion((v) => v + 1);
        }}
      >
        Flip selection
      </button>
      <output data-testid="opened">{opened.join(",")}</output>
      <output data-testid="hovered">{hovered ?? ""}</output>
      <MarginScatter
        x={xs}
        y={ys}
        color={color}
        mask={mask}
        dataVersion={1}
        maskVersion={maskVersion}
        xLabel="explicit margin"
        yLabel="implicit margin"
        onHover={setHovered}
        onSelectRow={(row) => setOpened((o) => [...o, row])}
        source="scatter:bench"
        xField="explicit"
        yField="implicit"
        region={null}
        xDomain={domains.x}
        yDomain={domains.y}
        onDomains={(x, y) => setDomains({ x, y })}
      />
    </div>
  );
}

createRoot(document.getElementById("root")!).render(<Harness />);
