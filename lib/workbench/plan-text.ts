/** One line about a planned row space, shared by the "Columns" panel and the CLI's stderr. */
import type { PlanSummary } from "@/lib/workbench/types";

/** e.g. `48 records → 30 pairs; excluded 18: tie 6, no majority 12`. */
export function describePlan(plan: PlanSummary): string {
  const reasons = plan.reasons.map((r) => `${r.reason} ${r.count}`).join(", ");
  return `${plan.records} records → ${plan.pairs} pairs; excluded ${plan.excluded}${reasons ? `: ${reasons}` : ""}`;
}
