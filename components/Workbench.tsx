"use client";
import { useEffect } from "react";
import { useWorkbench } from "@/components/workbench-store";
import DatasetLoader from "@/components/DatasetLoader";
import StatusBar from "@/components/StatusBar";
import FileHashNote from "@/components/FileHashNote";
import RowAccounting from "@/components/RowAccounting";
import SelectionControls from "@/components/SelectionControls";
import MappingPanel, { PendingMappingPanel } from "@/components/MappingPanel";
import ExportPanel from "@/components/ExportPanel";
import MarginHistograms from "@/components/MarginHistograms";
import PairsTable from "@/components/PairsTable";
import PairInspector from "@/components/PairInspector";
import ScatterPanel from "@/components/ScatterPanel";
import FiltersBar from "@/components/FiltersBar";
import ComparePanel from "@/components/ComparePanel";
import ScoringPanel from "@/components/ScoringPanel";
import GenerationPanel from "@/components/GenerationPanel";
import SessionsPanel from "@/components/SessionsPanel";
import KeyboardShortcuts from "@/components/KeyboardShortcuts";

/** The workbench page: load, tune, look, read, export. */
export default function Workbench() {
  const status = useWorkbench((s) => s.status);
  const summary = useWorkbench((s) => s.summary);
  const loadDemo = useWorkbench((s) => s.loadDemo);
  // The mapping form is keyed by the rows version only: a scoring run never wipes a half-edited mapping.
  const rowsVersion = useWorkbench((s) => s.versions.rows);

  useEffect(() => {
    if (new URLSearchParams(window.location.search).has("demo")) void loadDemo();
  }, [loadDemo]);

  return (
    <main className="workbench" data-status={status}>
      <header className="topbar">
        <h1>Margin Atlas</h1>
        <DatasetLoader />
        <SessionsPanel />
        <ExportPanel />
        <KeyboardShortcuts />
      </header>
      <StatusBar />
      <FileHashNote />
      <RowAccounting />
      <PendingMappingPanel />
      {summary ? (
        <div className="layout">
          <div className="sidebar">
            <SelectionControls />
            <MappingPanel key={rowsVersion} />
            <ScoringPanel />
            <GenerationPanel />
          </div>
          <div className="views">
            <FiltersBar />
            <ScatterPanel />
            <MarginHistograms />
            <ComparePanel />
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
          <p>No preference data yet? Generate it from prompts with your policy and reward model:</p>
          <GenerationPanel />
        </section>
      )}
    </main>
  );
}
