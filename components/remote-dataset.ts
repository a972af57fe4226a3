/**
 * Datasets from the Hub or a URL, for the loader's "Open from Hub" and "Open from URL" forms: lists a dataset
 * repository and downloads the picked files through lib/dataset/hub-datasets.ts with the Hub settings the model
 * loader uses (endpoint and token of the scoring store), then opens them in the workbench.
 */
import { useScoring } from "@/components/scoring-store";
import { useWorkbench } from "@/components/workbench-store";
import {
  downloadDataFile,
  listHubDataset,
  parseDatasetUrl,
  parseHubDatasetId,
  type HubAccess,
  type HubDataFile,
  type HubListing,
} from "@/lib/dataset/hub-datasets";
import type { NamedBlob } from "@/lib/dataset/shard-names";

/** Download progress of the picked files: which one, and the fraction of all bytes read. */
export interface DownloadProgress {
  file: string;
  fraction: number;
}

function access(): HubAccess {
  const { hubEndpoint, hubToken } = useScoring.getState();
  return { endpoint: hubEndpoint, ...(hubToken ? { token: hubToken } : {}) };
}

/** Lists the data files of the dataset the user typed (`org/name[@revision][:config[/split]]`). */
export function listHub(text: string, revision: string): Promise<HubListing> {
  return listHubDataset(parseHubDatasetId(text, revision), access());
}

/** Downloads files one after the other (progress over all bytes), then opens them as one dataset. */
async function downloadAndOpen(
  files: { url: string; name: string; size: number }[],
  onProgress: (p: DownloadProgress) => void,
): Promise<void> {
  const hub = access();
  const total = files.reduce((n, f) => n + f.size, 0);
  const blobs: NamedBlob[] = [];
  let done = 0;
  for (const f of files) {
    const blob = await downloadDataFile(f.url, hub, (loaded, size) => {
      const of = total > 0 ? total : (size ?? 0);
      onProgress({ file: f.name, fraction: of > 0 ? Math.min(1, (done + loaded) / of) : 0 });
    });
    done += blob.size;
    blobs.push({ blob, name: f.name });
  }
  await useWorkbench.getState().loadFiles(blobs);
}

/** Downloads the picked files of a Hub listing (named by their repository paths) and opens them. */
export function openHubFiles(files: HubDataFile[], onProgress: (p: DownloadProgress) => void): Promise<void> {
  return downloadAndOpen(
    files.map((f) => ({ url: f.url, name: f.path, size: f.size })),
    onProgress,
  );
}

/** Downloads one file from a URL and opens it (the token goes along only to the Hub endpoint's origin). */
export function openUrl(text: string, onProgress: (p: DownloadProgress) => void): Promise<void> {
  const { url, name } = parseDatasetUrl(text);
  return downloadAndOpen([{ url, name, size: 0 }], onProgress);
}
