/** Errors of the export step. */

/** An export refused because it would alter data (e.g. an extra column named like an existing field). */
export class ExportError extends Error {
  constructor(
    message: string,
    readonly code: "export-column-clash" | "export-bad-row" = "export-column-clash",
  ) {
    super(message);
    this.name = "ExportError";
  }
}
