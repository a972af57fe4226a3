"use client";
import { useEffect, useSyncExternalStore } from "react";
import { useWorkbench } from "@/components/workbench-store";
import DatasetLoader from "@/components/DatasetLoader";
import StatusBar from "@/components/StatusBar";
import SelectionControls from "@/components/SelectionControls";
import MappingPanel from "@/components/MappingPanel";
import ExportPanel from "@/components/ExportPanel";
import MarginHistograms from "@/components/MarginHistograms";
import PairsTable from "@/components/PairsTable";
import PairInspector from "@/components/PairInspector";
import MarginScatter from "@/components/MarginScatter";
import ScoringPanel from "@/components/ScoringPanel";
import { buffers } from "@/lib/workbench/buffers";

/** The workbench page: load, tune, look, read, export. */
export default function Workbench() {
  const status = useWorkbench((s) => s.status);
  const summary = useWorkbench((s) => s.summary);
  const loadDemo = useWorkbench((s) => s.loadDemo);
  const openRow = useWorkbench((s) => s.openRow);
  const dataVersion = useWorkbench((s) => s.dataVersion);
  const scoreVersion = useWorkbench((s) => s.scoreVersion);
  const maskVersion = useWorkbench((s) => s.maskVersion);
  useSyncExternalStore(
    (cb) => buffers.subscribe(cb),
    () => buffers.version,
    () => 0,
  );
  const b = buffers.get();

  useEffect(() => {
    if (new URLSearchParams(window.location.search).has("demo")) void loadDemo();
  }, [loadDemo]);

  return (
    <main className="workbench" data-status={status}>
      <header className="topbar">
        <h1>Margin Atlas</h1>
        <DatasetLoader />
        <ExportPanel />
      </header>
      <StatusBar />
      {summary ? (
        <div className="layout">
          <div className="sidebar">
            <SelectionControls />
            <MappingPanel key={dataVersion} />
            <ScoringPanel />
          </div>
          <div className="views">
            <MarginScatter
              x={b.explicit}
              y={b.implicit}
              color={b.mAp}
              mask={b.mask.length ? b.mask : null}
              dataVersion={dataVersion * 1000 + scoreVersion}
              maskVersion={maskVersion}
              xLabel="explicit margin m_ex"
              yLabel="implicit margin m_im"
              onSelectRow={(row) => openRow(row)}
            />
            <MarginHistograms />
            <div className="table-and-inspector">
              <PairsTable />
              <PairInspector />
            </div>
          </div>
        </div>
      ) : (
        <section className="welcome">
          <h2>Curate preference data by its margins</h2>
          <p>
            Load a preference dataset (TRL strings, chat message lists, ShareGPT, Anthropic HH, pairwise judge files or
            multi-response score lists). Margins already in the file are used: explicit (reward / judge) and implicit
            (policy log-probs). Rows are ranked by alignment potential M_AP = z(m_ex) − w·z(|m_im|) and the top 40 % are
            selected, as in the ICML 2025 paper; tune it by hand, then export in the format you brought.
          </p>
          <p>Everything runs in this browser tab: the file is not uploaded anywhere.</p>
        </section>
      )}
    </main>
  );
}
