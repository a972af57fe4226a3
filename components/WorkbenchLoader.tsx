"use client";
import dynamic from "next/dynamic";

/** Loads the workbench on the client only (workers, canvas, File APIs). */
const Workbench = dynamic(() => import("@/components/Workbench"), {
  ssr: false,
  loading: () => <p className="boot">Loading Margin Atlas…</p>,
});

/** Client-only wrapper of the workbench. */
export default function WorkbenchLoader() {
  return <Workbench />;
}
