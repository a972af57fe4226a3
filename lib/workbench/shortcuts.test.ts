import { describe, expect, it } from "vitest";
import {
  cursorIndex,
  cursorRowOf,
  isTextEntry,
  ownsArrows,
  ownsEnter,
  SHORTCUTS,
  shortcutFor,
  stepCursor,
  type KeyPress,
  type KeyTarget,
  type ShortcutAction,
} from "./shortcuts";

/** A key press with no modifiers unless told. */
function press(key: string, extra: Partial<KeyPress> = {}): KeyPress {
  return {
    key,
    shiftKey: false,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    repeat: false,
    isComposing: false,
    defaultPrevented: false,
    ...extra,
  };
}

/** A stand-in for a DOM element: tag, attributes, and the properties the rules read. */
function el(tagName: string, attrs: Record<string, string> = {}, props: Partial<KeyTarget> = {}): KeyTarget {
  return {
    tagName,
    type: tagName === "INPUT" ? (attrs.type ?? "text") : undefined,
    isContentEditable: false,
    getAttribute: (name) => attrs[name] ?? null,
    ...props,
  };
}

const body = el("BODY");

describe("shortcutFor: which keys map to which action", () => {
  it.each<[string, Partial<KeyPress>, ShortcutAction | null]>([
    ["j", {}, "next"],
    ["ArrowDown", {}, "next"],
    ["k", {}, "previous"],
    ["ArrowUp", {}, "previous"],
    ["Enter", {}, "open"],
    ["x", {}, "keep"],
    ["d", {}, "drop"],
    ["u", {}, "clear"],
    ["/", {}, "search"],
    ["Escape", {}, "escape"],
    ["z", {}, "undo"],
    ["Z", { shiftKey: true }, "redo"],
    ["?", { shiftKey: true }, "help"],
    // Layouts where "?" or "/" come without (or with) Shift still match: the key is the character produced.
    ["?", {}, "help"],
    ["/", { shiftKey: true }, "search"],
    // Caps Lock: an upper-case letter without Shift is the same key.
    ["J", {}, "next"],
    ["Z", {}, "undo"],
    // Shift changes the meaning of letters: Shift+J is not "next".
    ["J", { shiftKey: true }, null],
    ["X", { shiftKey: true }, null],
    ["ArrowDown", { shiftKey: true }, null],
    // Modified keys belong to the browser and to FiltersBar (Ctrl/Cmd+Z).
    ["z", { ctrlKey: true }, null],
    ["z", { metaKey: true }, null],
    ["j", { altKey: true }, null],
    ["x", { ctrlKey: true }, null],
    // Not shortcuts.
    ["a", {}, null],
    [" ", {}, null],
    ["Tab", {}, null],
    ["ArrowLeft", {}, null],
    // Holding a key repeats moves only.
    ["j", { repeat: true }, "next"],
    ["ArrowUp", { repeat: true }, "previous"],
    ["x", { repeat: true }, null],
    ["z", { repeat: true }, null],
    // An IME composition, or a handler on the target that already used the key.
    ["j", { isComposing: true }, null],
    ["ArrowDown", { defaultPrevented: true }, null],
  ])("%s %o → %s", (key, extra, action) => {
    expect(shortcutFor(press(key, extra), body)).toBe(action);
  });

  it("fires without a target (the window itself)", () => {
    expect(shortcutFor(press("j"), null)).toBe("next");
  });

  it("fires nothing while a modal dialog is open (the dialog owns its keys, Esc included)", () => {
    for (const s of SHORTCUTS)
      for (const b of s.keys) {
        const p = press(b.key, { shiftKey: b.shift === true });
        expect(shortcutFor(p, body, { dialogOpen: false })).toBe(s.action);
        expect(shortcutFor(p, body, { dialogOpen: true })).toBeNull();
      }
  });
});

describe("shortcutFor: which targets suppress which keys", () => {
  const text = el("INPUT", { type: "text" });
  const search = el("INPUT", { type: "search", "aria-label": "Search pairs" });
  const number = el("INPUT", { type: "number" });
  const textarea = el("TEXTAREA");
  const select = el("SELECT");
  const editable = el("DIV", {}, { isContentEditable: true });
  const textbox = el("DIV", { role: "textbox" });
  const checkbox = el("INPUT", { type: "checkbox" });
  const range = el("INPUT", { type: "range" });
  const radio = el("INPUT", { type: "radio" });
  const button = el("BUTTON");
  const link = el("A", { href: "#x" });
  const anchor = el("A");
  const summary = el("SUMMARY");
  // The histogram handles: SVG <g role="slider">, lower-case tag and no isContentEditable.
  const slider = { tagName: "g", getAttribute: (n: string) => (n === "role" ? "slider" : null) };
  const scatter = el("DIV", { tabindex: "0" });

  it.each<[string, KeyTarget, string, ShortcutAction | null]>([
    ["text input", text, "j", null],
    ["text input", text, "x", null],
    ["text input", text, "Escape", null],
    ["text input", text, "/", null],
    ["search input", search, "j", null],
    ["search input", search, "?", null],
    ["number input", number, "ArrowUp", null],
    ["textarea", textarea, "d", null],
    ["select", select, "ArrowDown", null],
    ["select", select, "k", null],
    ["contenteditable", editable, "z", null],
    ["role=textbox", textbox, "u", null],
    ["checkbox", checkbox, "j", "next"],
    ["checkbox", checkbox, "ArrowDown", "next"],
    ["checkbox", checkbox, "Enter", "open"],
    ["checkbox", checkbox, "x", "keep"],
    ["range", range, "j", "next"],
    ["range", range, "ArrowDown", null],
    ["range", range, "ArrowUp", null],
    ["range", range, "z", "undo"],
    ["radio", radio, "ArrowDown", null],
    ["radio", radio, "k", "previous"],
    ["slider (SVG)", slider, "ArrowDown", null],
    ["slider (SVG)", slider, "ArrowUp", null],
    ["slider (SVG)", slider, "j", "next"],
    ["slider (SVG)", slider, "d", "drop"],
    ["slider (SVG)", slider, "Enter", "open"],
    ["button", button, "j", "next"],
    ["button", button, "ArrowDown", "next"],
    ["button", button, "?", "help"],
    ["button", button, "Enter", null],
    ["link", link, "Enter", null],
    ["anchor without href", anchor, "Enter", "open"],
    ["summary", summary, "Enter", null],
    ["summary", summary, "x", "keep"],
    ["scatter plot area", scatter, "ArrowDown", "next"],
    ["body", body, "Enter", "open"],
  ])("%s + %s → %s", (_name, target, key, action) => {
    expect(shortcutFor(press(key, { shiftKey: key === "?" }), target)).toBe(action);
  });

  it.each<[string, KeyTarget, boolean, boolean, boolean]>([
    ["INPUT text", text, true, false, false],
    ["INPUT search", search, true, false, false],
    ["INPUT without a type", { tagName: "INPUT", getAttribute: () => null }, true, false, false],
    ["INPUT checkbox", checkbox, false, false, false],
    ["INPUT range", range, false, true, false],
    ["INPUT submit", el("INPUT", { type: "submit" }), false, false, true],
    ["TEXTAREA", textarea, true, false, false],
    ["SELECT", select, true, false, false],
    ["contenteditable DIV", editable, true, false, false],
    ["role=spinbutton", el("DIV", { role: "spinbutton" }), true, true, false],
    ["role=slider", slider, false, true, false],
    ["role=button", el("DIV", { role: "button" }), false, false, true],
    ["BUTTON", button, false, false, true],
    ["BODY", body, false, false, false],
  ])("%s: text entry %s, owns arrows %s, owns Enter %s", (_name, target, text, arrows, enter) => {
    expect(isTextEntry(target)).toBe(text);
    expect(ownsArrows(target)).toBe(arrows);
    expect(ownsEnter(target)).toBe(enter);
  });
});

describe("the shortcut table", () => {
  it("binds each key to one action only", () => {
    const seen = new Map<string, ShortcutAction>();
    for (const s of SHORTCUTS)
      for (const b of s.keys) {
        const id = `${b.key}|${String(b.shift ?? false)}`;
        expect(seen.get(id), id).toBeUndefined();
        seen.set(id, s.action);
      }
  });

  it("lists every action once, each with a description and a label per key", () => {
    const actions = SHORTCUTS.map((s) => s.action);
    expect(new Set(actions).size).toBe(actions.length);
    expect(actions.sort()).toEqual(
      ["clear", "drop", "escape", "help", "keep", "next", "open", "previous", "redo", "search", "undo"].sort(),
    );
    for (const s of SHORTCUTS) {
      expect(s.description).not.toBe("");
      for (const b of s.keys) expect(b.label).not.toBe("");
    }
  });
});

describe("row cursor", () => {
  const order = Uint32Array.from([7, 3, 9, 1]);

  it.each<[string, number | null, number, number | null]>([
    ["starts at the first row", null, 0, 7],
    ["j from the start", null, 1, 3],
    ["k from the start stays on the first row", null, -1, 7],
    ["j from the middle", 3, 1, 9],
    ["k from the middle", 9, -1, 3],
    ["j on the last row stays", 1, 1, 1],
    ["a cursor row that left the table restarts at the top", 42, 1, 3],
    ["a big step stops at the end", 7, 100, 1],
  ])("%s", (_name, cursor, delta, want) => {
    expect(stepCursor(order, cursor, delta)).toBe(want);
  });

  it("follows the table order, not the row ids", () => {
    expect(stepCursor([2, 0, 1], 0, 1)).toBe(1);
    expect(stepCursor([2, 0, 1], 0, -1)).toBe(2);
  });

  it.each<[number | null, number, number | null]>([
    [null, 0, 7],
    [9, 2, 9],
    [42, 0, 7],
  ])("cursor %s is at index %s, on row %s", (cursor, index, row) => {
    expect(cursorIndex(order, cursor)).toBe(index);
    expect(cursorRowOf(order, cursor)).toBe(row);
  });

  it("has no row in an empty table", () => {
    expect(cursorIndex(new Uint32Array(0), null)).toBe(-1);
    expect(cursorRowOf(new Uint32Array(0), 3)).toBeNull();
    expect(stepCursor(new Uint32Array(0), null, 1)).toBeNull();
  });
});
