/** Opening what the user picked, one file or several read as one dataset, up to the detection sample. */
import { openSources, type NamedBlob } from "@/lib/dataset/multi-source";
import type { ParseResult } from "@/lib/dataset/types";
import { DatasetSession, type OpenedFile } from "@/lib/workbench/session";

/**
 * `DatasetSession.inspect` for one file; for several (`files`, two or more), the files as one dataset
 * (`openSources`: global row ids, in shard order). The dataset worker and the scoring worker both open this way,
 * so they see the same rows.
 */
export async function inspectFiles(
  file: Blob,
  name: string,
  files: readonly NamedBlob[] | undefined,
  onProgress: (stage: string, fraction: number) => void = () => {},
): Promise<ParseResult<OpenedFile>> {
  if (!files || files.length < 2) return DatasetSession.inspect(file, name, onProgress);
  const opened = await openSources(files, (f) => onProgress("indexing", f));
  if (!opened.ok) return opened;
  return DatasetSession.inspectSource(opened.data);
}
