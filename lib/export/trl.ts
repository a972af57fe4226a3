/**
 * The TRL export: the selected pairs as JSON Lines in TRL's preference type, which `datasets.load_dataset("json", …)`
 * reads and TRL's `DPOTrainer` trains on as they are. Every row is the session's pair (`toPair`), so chosen and
 * rejected follow the mapping's orientation whatever the source schema.
 *
 * TRL documents two formats of a preference row ("Dataset formats and types", preference type,
 * https://huggingface.co/docs/trl/dataset_formats; the DPO Trainer page's "Dataset format" accepts both):
 *   standard:       {"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}
 *   conversational: {"prompt": [{"role": "user", "content": "What color is the sky?"}],
 *                    "chosen": [{"role": "assistant", "content": "It is blue."}], "rejected": [{"role": "assistant", …}]}
 *
 * One format per file, as `datasets` types each column once. It is conversational when the source has roles:
 * - the mapping reads chat message lists, ShareGPT conversations or HH transcripts (schemas chat, sharegpt, hh);
 * - or a field the mapping reads text from holds messages (`{role, content}` / `{from, value}` objects, lists of
 *   them or lists of such lists, also as JSON text in a CSV cell), e.g. multi-response chat lists;
 * - or an exported pair has turns a string would lose: a system message, several prompt turns, a response of more
 *   than one turn, a prompt turn not from the user or a response not from the assistant.
 * Otherwise it is standard: a pair is then one user prompt (or none: "") and one assistant message per response.
 */
import type { ColumnMapping, Message, Pair, RawRecord, SchemaKind } from "@/lib/dataset/types";
import { PairError, readMessage, toPair } from "@/lib/dataset/pair";
import { asList } from "@/lib/dataset/schema-values";
import { readField } from "@/lib/dataset/field-path";
import type { RowSource } from "@/lib/dataset/source";
import { SourceError } from "@/lib/dataset/source-error";
import { BlobSink, ExportOutput } from "@/lib/export/export-output";
import { recordBatches } from "@/lib/export/record-batches";
import { ExportError } from "@/lib/export/export-error";
import type { ExtraColumn } from "@/lib/export/export";

/** TRL's two preference formats. */
export type TrlFormat = "standard" | "conversational";

/** The columns TRL reads, in the order every row writes them. */
export const TRL_COLUMNS = ["prompt", "chosen", "rejected"] as const;

/**
 * Columns DPOTrainer reads, when a dataset has both, as precomputed reference log-probs instead of running its
 * reference model (trl/trainer/dpo_trainer.py: `DataCollatorForPreference.torch_call` turns them into tensors, so one
 * null fails the batch; `get_batch_loss_metrics` uses them when present).
 */
export const TRL_REFERENCE_LOGPS = ["ref_chosen_logps", "ref_rejected_logps"] as const;

/**
 * `datasets`' JSON builder reads a JSON Lines file in chunks of this many bytes (`JsonConfig.chunksize`, 10 << 20),
 * each typed by `pyarrow.json.read_json` on its own, then casts every chunk to the first chunk's types: a column that
 * is null all through the first chunk is typed null and a later number fails the cast ("Couldn't cast array of type
 * double to null", https://github.com/huggingface/datasets/issues/7222).
 */
export const DATASETS_JSON_CHUNK_BYTES = 10 << 20;

/** Schemas whose mapping reads role-tagged turns (message lists, ShareGPT conversations, HH transcripts). */
const ROLE_SCHEMAS: ReadonlySet<SchemaKind> = new Set<SchemaKind>(["chat", "sharegpt", "hh"]);

const isPlainTurn = (messages: Message[], role: string) => messages.length === 1 && messages[0].role === role;

/** True when a pair fits the standard string format without losing a role or a turn. */
export function isStandardPair(pair: Pair): boolean {
  return (
    (pair.prompt.length === 0 || isPlainTurn(pair.prompt, "user")) &&
    isPlainTurn(pair.chosen, "assistant") &&
    isPlainTurn(pair.rejected, "assistant")
  );
}

// A cell holds messages when it is one, or a list with one (or a list of such lists: multi-response chat lists).
function holdsMessages(value: unknown): boolean {
  if (readMessage(value)) return true;
  const list = asList(value);
  if (!list) return false;
  return list.some((item) => readMessage(item) !== null || (Array.isArray(item) && item.some((m) => readMessage(m))));
}

/** The mapping's text fields (prompt, responses), whose cells say whether the source stores messages. */
function textFields(mapping: ColumnMapping): string[] {
  const fields = [
    mapping.prompt,
    ...(mapping.promptFields ?? []),
    mapping.chosen,
    mapping.rejected,
    mapping.outputA,
    mapping.outputB,
    mapping.responses,
  ];
  return [...new Set(fields.filter((f): f is string => typeof f === "string" && f !== ""))];
}

/** True when a record of this mapping stores role-tagged messages in one of the fields its pair is read from. */
export function recordHasMessages(record: RawRecord, mapping: ColumnMapping): boolean {
  return textFields(mapping).some((f) => holdsMessages(readField(record, f)));
}

/**
 * Moves assistant turns that end the prompt to the front of both responses, as TRL's own `extract_prompt` splits a
 * conversation (the prompt ends before an assistant turn), so the chat template's generation prompt follows the
 * prompt. The conversations prompt + chosen and prompt + rejected stay the same.
 */
export function trlConversationalPair(pair: Pair): Pair {
  let cut = pair.prompt.length;
  while (cut > 0 && pair.prompt[cut - 1].role === "assistant") cut--;
  if (cut === pair.prompt.length) return pair;
  const moved = pair.prompt.slice(cut);
  return {
    prompt: pair.prompt.slice(0, cut),
    chosen: [...moved, ...pair.chosen],
    rejected: [...moved, ...pair.rejected],
  };
}

/** A number as a JSON double: NaN and ±Infinity (no JSON spelling) → null; whole numbers get ".0" (see below). */
export function jsonDouble(value: number): string {
  if (!Number.isFinite(value)) return "null";
  // pyarrow types `3` as int64 and `3.5` as double: a column whose first datasets chunk held only whole numbers would
  // be int64 and a later chunk's fractions would have to be cast to it, so every number is written as a double.
  if (Object.is(value, -0)) return "-0.0";
  const s = JSON.stringify(value);
  return /^-?\d+$/.test(s) ? `${s}.0` : s;
}

const messagesJson = (messages: Message[]) =>
  JSON.stringify(messages.map((m) => ({ role: m.role, content: m.content })));

/** Refuses computed columns that would overwrite a TRL column or each other. */
function checkExtraNames(extra: ExtraColumn[]): void {
  const taken = new Set<string>(TRL_COLUMNS);
  for (const { name } of extra) {
    if (taken.has(name)) {
      throw new ExportError(
        (TRL_COLUMNS as readonly string[]).includes(name)
          ? `cannot add the computed column "${name}" to the TRL export: "${name}" is one of TRL's columns (prompt, chosen, rejected).`
          : `cannot add the computed column "${name}" twice.`,
      );
    }
    taken.add(name);
  }
}

/** Refuses reference log-prob columns DPOTrainer would read with a null in them (see {@link TRL_REFERENCE_LOGPS}). */
function checkReferenceLogps(extra: ExtraColumn[], rows: ArrayLike<number>): void {
  const columns = TRL_REFERENCE_LOGPS.map((name) => extra.find((c) => c.name === name));
  if (columns.some((c) => !c)) return;
  for (const c of columns as ExtraColumn[]) {
    let missing = 0;
    let first = -1;
    for (let k = 0; k < rows.length; k++) {
      if (!Number.isFinite(c.values[rows[k]])) {
        if (missing++ === 0) first = rows[k];
      }
    }
    if (missing > 0) {
      throw new ExportError(
        `cannot write the computed column "${c.name}" to the TRL export: ${missing} of the ${rows.length} exported rows have none (first: row ${first}). DPOTrainer reads ${TRL_REFERENCE_LOGPS.join(" and ")} as precomputed reference log-probs and fails on a missing one. Score every selected row with the reference model, or export without the computed columns.`,
        "export-bad-row",
      );
    }
  }
}

/** Reads the pair of one record, naming the row and field when the record does not fit the mapping. */
function pairOf(source: RowSource, record: RawRecord, mapping: ColumnMapping, row: number): Pair {
  try {
    return toPair(record, mapping);
  } catch (err) {
    if (!(err instanceof PairError)) throw err;
    const native = source.nativeRows;
    throw new SourceError({
      file: source.info.name,
      line: native?.kind === "json-bytes" ? native.index.lines[row] : undefined,
      row,
      field: err.fault.field,
      message: err.fault.message,
    });
  }
}

/** Decides the file's format over the exported rows (module comment); stops at the first sign of roles. */
export async function decideTrlFormat(
  source: RowSource,
  mapping: ColumnMapping,
  rows: ArrayLike<number>,
): Promise<TrlFormat> {
  if (ROLE_SCHEMAS.has(mapping.schema)) return "conversational";
  for await (const { first, records } of recordBatches(source, rows)) {
    for (let k = 0; k < records.length; k++) {
      const record = records[k];
      if (recordHasMessages(record, mapping)) return "conversational";
      if (!isStandardPair(pairOf(source, record, mapping, rows[first + k]))) return "conversational";
    }
  }
  return "standard";
}

/** One row's TRL columns as JSON members (`"prompt":…,"chosen":…,"rejected":…`). */
function trlMembers(pair: Pair, format: TrlFormat, file: string, row: number): string {
  if (format === "standard") {
    const prompt = pair.prompt.length > 0 ? pair.prompt[0].content : "";
    return `"prompt":${JSON.stringify(prompt)},"chosen":${JSON.stringify(pair.chosen[0].content)},"rejected":${JSON.stringify(pair.rejected[0].content)}`;
  }
  const p = trlConversationalPair(pair);
  for (const column of TRL_COLUMNS) {
    // TRL's `is_conversational` reads the first message of a column (`maybe_messages[0]`): an empty list fails it.
    if (p[column].length === 0) {
      throw new ExportError(
        `${file}, row ${row}: cannot write this pair in TRL's conversational format: its ${column} has no message${column === "prompt" ? " (the two conversations share no turn before their responses)" : ""}, and TRL needs at least one. Exclude the row from the selection, or map the file differently.`,
        "export-bad-row",
      );
    }
  }
  return `"prompt":${messagesJson(p.prompt)},"chosen":${messagesJson(p.chosen)},"rejected":${messagesJson(p.rejected)}`;
}

/**
 * Writes the given rows (in the order given) as TRL preference JSON Lines, with `extra` columns after prompt, chosen
 * and rejected as doubles (null where missing). Throws `SourceError` for a record that can't be read or does not fit
 * the mapping and `ExportError` for an export `datasets` or DPOTrainer would fail on (a column clash, an empty
 * conversational column, reference log-probs with gaps, a computed column null all through datasets' first chunk).
 */
export async function exportTrl(
  source: RowSource,
  mapping: ColumnMapping,
  rows: ArrayLike<number>,
  extra: ExtraColumn[] = [],
): Promise<{ blob: Blob; format: TrlFormat }> {
  const sink = new BlobSink();
  const out = new ExportOutput(sink, rows.length);
  const format = await writeTrl(source, mapping, rows, extra, out);
  await out.close();
  return { blob: sink.finish("application/x-ndjson"), format };
}

/**
 * Writes what {@link exportTrl} builds to `out` (not closed), batch by batch; resolves to the format written. The
 * first-chunk check on computed columns can only fail once every row is written: the caller then discards the output.
 */
export async function writeTrl(
  source: RowSource,
  mapping: ColumnMapping,
  rows: ArrayLike<number>,
  extra: ExtraColumn[],
  out: ExportOutput,
): Promise<TrlFormat> {
  checkExtraNames(extra);
  checkReferenceLogps(extra, rows);
  const format = await decideTrlFormat(source, mapping, rows);
  // Byte offset at which each extra column first holds a number (-1: not yet).
  const firstValueAt = extra.map(() => -1);
  const firstValueRow = extra.map(() => -1);
  for await (const { first, records } of recordBatches(source, rows)) {
    const lines: string[] = [];
    let offset = out.size;
    records.forEach((record, k) => {
      const row = rows[first + k];
      let line = `{${trlMembers(pairOf(source, record, mapping, row), format, source.info.name, row)}`;
      extra.forEach((c, j) => {
        const v = c.values[row];
        if (firstValueAt[j] < 0 && Number.isFinite(v)) {
          firstValueAt[j] = offset;
          firstValueRow[j] = row;
        }
        line += `,${JSON.stringify(c.name)}:${jsonDouble(v)}`;
      });
      line += "}\n";
      lines.push(line);
      // UTF-8 length without encoding twice: only the first-chunk test needs it, and only roughly past 10 MiB.
      offset += utf8Length(line);
    });
    out.text(lines.join(""));
    await out.settle(first + records.length);
  }
  extra.forEach((c, j) => {
    if (firstValueAt[j] >= DATASETS_JSON_CHUNK_BYTES) {
      throw new ExportError(
        `cannot write the computed column "${c.name}" to the TRL export: it is missing (null) on every row in the first 10 MiB of the file and has values from row ${firstValueRow[j]} on, and datasets.load_dataset("json") types a column from the first 10 MiB, so it would fail on the later numbers. Export without the computed columns, or fill the column for the first rows (e.g. score them).`,
        "export-bad-row",
      );
    }
  });
  return format;
}

/** Bytes of a string in UTF-8. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
