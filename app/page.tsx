import WorkbenchLoader from "@/components/WorkbenchLoader";

/** The workbench: a thin route; everything that needs the DOM or workers loads on the client. */
export default function Page() {
  return <WorkbenchLoader />;
}
