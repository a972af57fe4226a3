/// <reference lib="webworker" />
/** Blob-reader worker: reads slices of the dataset worker's files so those reads run while it parses. */
import { serveBlobReads, type BlobReadScope } from "@/lib/dataset/readers/blob-reader";

serveBlobReads(self as unknown as BlobReadScope);
