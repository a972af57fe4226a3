/** Errors thrown by the reader layer where a `ParseResult` can't be returned (e.g. `getRecords`, export). */
import type { ParseProblem } from "@/lib/dataset/types";
import { formatProblem } from "@/lib/dataset/types";

/** A bad record met outside a scan: `code` is "bad-input" and `detail` says where (the worker forwards both). */
export class SourceError extends Error {
  readonly code = "bad-input";
  constructor(readonly detail: ParseProblem) {
    super(formatProblem(detail));
    this.name = "SourceError";
  }
}
