import { sanitizeFileName } from "@/lib/export/download-name";

/** Saves a Blob as a file through a temporary object URL, revoked once the download started; the name is sanitised. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = sanitizeFileName(fileName);
  a.rel = "noopener";
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoking synchronously can cancel the download in some browsers; one task later is enough.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
