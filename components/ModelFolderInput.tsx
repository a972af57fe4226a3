"use client";
import { useScoring } from "@/components/scoring-store";
import { DIRECTORY_PROPS } from "@/lib/format/units";
import type { ModelRole } from "@/lib/scoring/protocol";

/**
 * A model picker for `role` styled as a button: a directory input, or with `files` a plain multi-file input
 * (config.json, tokenizer files and the .onnx / .onnx_data picked one by one). Loads into the scoring store's slot.
 */
export default function ModelFolderInput(props: {
  role: ModelRole;
  disabled: boolean;
  files?: boolean;
  /** The button's text. */
  text: string;
  /** The input's accessible name (defaults to the text). */
  ariaLabel?: string;
}) {
  const loadFiles = useScoring((s) => s.loadModelFiles);
  return (
    <label className="button">
      {props.text}
      <input
        type="file"
        multiple
        {...(props.files ? {} : DIRECTORY_PROPS)}
        aria-label={props.ariaLabel ?? props.text}
        className="visually-hidden"
        disabled={props.disabled}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          if (files.length) void loadFiles(props.role, files);
          e.target.value = "";
        }}
      />
    </label>
  );
}
