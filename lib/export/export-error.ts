/** Errors of the export step. */

/**
 * An export refused because it would alter data (e.g. an extra column named like an existing field), cancelled by
 * the user ("export-cancelled"), or whose file could not be written ("export-file").
 */
export class ExportError extends Error {
  constructor(
    message: string,
    readonly code:
      "export-column-clash" | "export-bad-row" | "export-cancelled" | "export-file" = "export-column-clash",
  ) {
    super(message);
    this.name = "ExportError";
  }
}
