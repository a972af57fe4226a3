/**
 * The workbench's keyboard shortcuts as data: which key does what, and which focused elements keep a key for
 * themselves. components/KeyboardShortcuts.tsx runs the actions and lists this same table in its "?" dialog, so the
 * handler and the help can never disagree. Plain TypeScript: the rules are unit-tested in Node on plain objects.
 */

/** What a shortcut does. */
export type ShortcutAction =
  "next" | "previous" | "open" | "keep" | "drop" | "clear" | "search" | "escape" | "undo" | "redo" | "help";

/**
 * One key of a shortcut. `key` is `KeyboardEvent.key`, letters in lower case (Caps Lock still matches). `shift`:
 * `true` needs Shift, `false` (the default) forbids it, `"any"` ignores it: a symbol such as "?" or "/" is already
 * the character the layout produced, with or without Shift.
 */
export interface KeyBinding {
  key: string;
  shift?: boolean | "any";
  /** How the key is written in the "?" dialog. */
  label: string;
}

/** One row of the shortcut table. */
export interface Shortcut {
  action: ShortcutAction;
  keys: readonly KeyBinding[];
  description: string;
  /** Whether holding the key down repeats the action (moving does; deciding or undoing once per press). */
  repeats: boolean;
}

/** Every shortcut the workbench handles itself, in the order the "?" dialog lists them. */
export const SHORTCUTS: readonly Shortcut[] = [
  {
    action: "next",
    keys: [
      { key: "j", label: "j" },
      { key: "ArrowDown", label: "↓" },
    ],
    description: "Next row",
    repeats: true,
  },
  {
    action: "previous",
    keys: [
      { key: "k", label: "k" },
      { key: "ArrowUp", label: "↑" },
    ],
    description: "Previous row",
    repeats: true,
  },
  {
    action: "open",
    keys: [{ key: "Enter", label: "Enter" }],
    description: "Open the row in the inspector",
    repeats: false,
  },
  { action: "keep", keys: [{ key: "x", label: "x" }], description: "Keep the row", repeats: false },
  { action: "drop", keys: [{ key: "d", label: "d" }], description: "Drop the row", repeats: false },
  { action: "clear", keys: [{ key: "u", label: "u" }], description: "Clear the row's decision", repeats: false },
  { action: "search", keys: [{ key: "/", shift: "any", label: "/" }], description: "Search pairs", repeats: false },
  {
    action: "escape",
    keys: [{ key: "Escape", shift: "any", label: "Esc" }],
    description: "Clear the search, or close a dialog",
    repeats: false,
  },
  { action: "undo", keys: [{ key: "z", label: "z" }], description: "Undo", repeats: false },
  { action: "redo", keys: [{ key: "z", shift: true, label: "Shift+z" }], description: "Redo", repeats: false },
  {
    action: "help",
    keys: [{ key: "?", shift: "any", label: "?" }],
    description: "Show these shortcuts",
    repeats: false,
  },
];

/**
 * Keys that other parts of the page handle themselves, listed in the "?" dialog only (the handler never sees them
 * as its own): FiltersBar's Ctrl/Cmd+Z, the histogram handles' and the scatter's keys.
 */
export const OTHER_KEYS: readonly { keys: readonly string[]; description: string }[] = [
  { keys: ["Ctrl/Cmd+z"], description: "Undo (also outside the table)" },
  { keys: ["Shift+Ctrl/Cmd+z", "Ctrl+y"], description: "Redo (also outside the table)" },
  { keys: ["Tab", "Shift+Tab"], description: "Move between controls" },
  { keys: ["← → ↑ ↓"], description: "On a histogram handle: move it (Shift: 10 steps)" },
  { keys: ["Home", "End", "Delete"], description: "On a histogram handle: to the data's end, or switch it off" },
  { keys: ["← → ↑ ↓", "+", "−", "0"], description: "On the scatter: pan, zoom in, zoom out, reset" },
];

/** The parts of a key event's target the rules look at: any DOM `Element` fits, tests pass plain objects. */
export interface KeyTarget {
  readonly tagName: string;
  /** `HTMLElement.isContentEditable` (absent on SVG elements). */
  readonly isContentEditable?: boolean;
  /** `HTMLInputElement.type` and the like. */
  readonly type?: string;
  getAttribute(name: string): string | null;
}

/** The parts of a `KeyboardEvent` the rules look at. */
export interface KeyPress {
  readonly key: string;
  readonly shiftKey: boolean;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  readonly repeat: boolean;
  readonly isComposing: boolean;
  /** A handler on the target (a slider, the scatter) already used the key. */
  readonly defaultPrevented: boolean;
}

/** What the page is showing when the key arrives. */
export interface ShortcutContext {
  /** A modal dialog is open: it owns every key (Esc closes it natively). */
  dialogOpen: boolean;
}

/** Input types where keys do not type text: shortcuts still fire there. */
const NON_TEXT_INPUTS = new Set(["checkbox", "radio", "range", "button", "submit", "reset", "image", "color", "file"]);
/** ARIA roles of custom text fields. */
const TEXT_ROLES = new Set(["textbox", "searchbox", "combobox", "spinbutton"]);
/** ARIA roles whose arrow keys move a value or a selection (APG keyboard patterns). */
const ARROW_ROLES = new Set(["slider", "spinbutton", "radio", "tab", "option", "listbox", "menuitem", "treeitem"]);
/** ARIA roles that Enter activates. */
const ENTER_ROLES = new Set(["button", "link", "menuitem", "tab", "option", "treeitem", "switch"]);
/** Input types that Enter activates. */
const ENTER_INPUTS = new Set(["button", "submit", "reset", "image", "file", "color"]);

function roleOf(t: KeyTarget): string | null {
  return t.getAttribute("role");
}

function inputType(t: KeyTarget): string | null {
  return t.tagName.toUpperCase() === "INPUT" ? (t.type ?? t.getAttribute("type") ?? "text").toLowerCase() : null;
}

/** Whether keys typed on `t` are text (an input, textarea, select, contenteditable or text role): no shortcut fires. */
export function isTextEntry(t: KeyTarget): boolean {
  const tag = t.tagName.toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT" || t.isContentEditable === true) return true;
  const type = inputType(t);
  if (type !== null) return !NON_TEXT_INPUTS.has(type);
  const role = roleOf(t);
  return role !== null && TEXT_ROLES.has(role);
}

/** Whether `t` uses the arrow keys itself (a range input, a radio, a `role="slider"` histogram handle, …). */
export function ownsArrows(t: KeyTarget): boolean {
  const type = inputType(t);
  if (type === "range" || type === "radio") return true;
  const role = roleOf(t);
  return role !== null && ARROW_ROLES.has(role);
}

/** Whether Enter activates `t` (a button, link or summary): Enter then belongs to it, not to "open the row". */
export function ownsEnter(t: KeyTarget): boolean {
  const tag = t.tagName.toUpperCase();
  if (tag === "BUTTON" || tag === "SUMMARY" || (tag === "A" && t.getAttribute("href") !== null)) return true;
  const type = inputType(t);
  if (type !== null && ENTER_INPUTS.has(type)) return true;
  const role = roleOf(t);
  return role !== null && ENTER_ROLES.has(role);
}

function matches(binding: KeyBinding, press: KeyPress): boolean {
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  if (key !== binding.key) return false;
  const shift = binding.shift ?? false;
  return shift === "any" || shift === press.shiftKey;
}

/**
 * The action a key press triggers, or null when it is not a shortcut or belongs to someone else: a modal dialog,
 * a text field, an IME composition, a modified key (Ctrl/Cmd/Alt: the browser's and FiltersBar's), a key a
 * handler on the target already used, arrows on a slider, Enter on a button.
 */
export function shortcutFor(
  press: KeyPress,
  target: KeyTarget | null,
  context: ShortcutContext = { dialogOpen: false },
): ShortcutAction | null {
  if (context.dialogOpen || press.isComposing || press.defaultPrevented) return null;
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  if (target && isTextEntry(target)) return null;
  const shortcut = SHORTCUTS.find((s) => s.keys.some((b) => matches(b, press)));
  if (!shortcut || (press.repeat && !shortcut.repeats)) return null;
  if (target && (shortcut.action === "next" || shortcut.action === "previous")) {
    if ((press.key === "ArrowDown" || press.key === "ArrowUp") && ownsArrows(target)) return null;
  }
  if (target && shortcut.action === "open" && ownsEnter(target)) return null;
  return shortcut.action;
}

/** A table order: the row ids top to bottom (`buffers.get().order`). */
export type RowOrder = Uint32Array | readonly number[];

/**
 * Position of the row cursor in `order`: the cursor row's index, or 0 (the first row) when no row was chosen yet or
 * the chosen one left the table (a filter); -1 for an empty table.
 */
export function cursorIndex(order: RowOrder, cursorRow: number | null): number {
  if (order.length === 0) return -1;
  if (cursorRow === null) return 0;
  return Math.max(0, order.indexOf(cursorRow));
}

/** The row the cursor is on (see {@link cursorIndex}); null for an empty table. */
export function cursorRowOf(order: RowOrder, cursorRow: number | null): number | null {
  const i = cursorIndex(order, cursorRow);
  return i < 0 ? null : order[i];
}

/** The row `delta` steps from the cursor in `order`, stopping at the first and last rows; null for an empty table. */
export function stepCursor(order: RowOrder, cursorRow: number | null, delta: number): number | null {
  const i = cursorIndex(order, cursorRow);
  if (i < 0) return null;
  return order[Math.min(order.length - 1, Math.max(0, i + delta))];
}
