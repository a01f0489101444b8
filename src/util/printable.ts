// Untrusted text (a model name from a file, a path, a message built from them) made safe to print: control
// characters, including the escape that starts a terminal sequence, are shown as escapes instead of being obeyed.

/** C0 and C1 controls, DEL, line/paragraph separators and the bidirectional overrides and isolates. */
function isControl(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

const NAMED: Record<number, string> = { 10: "\\n", 9: "\\t", 13: "\\r" };

/** `s` with every control or bidi-override character replaced by a visible `\xNN` / `\uNNNN` escape. */
export function printable(s: string): string {
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (!isControl(code)) out += ch;
    else
      out +=
        NAMED[code] ??
        (code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`);
  }
  return out;
}

/** True when `s` holds a character that `printable` would escape. */
export function hasControl(s: string): boolean {
  for (const ch of s) if (isControl(ch.codePointAt(0) ?? 0)) return true;
  return false;
}

/** A one-line quoted form of an untrusted value for error messages: `'name'`, escaped, at most `max` characters. */
export function quoted(value: unknown, max = 80): string {
  const s = printable(typeof value === "string" ? value : String(value));
  return `'${s.length > max ? `${s.slice(0, max)}…` : s}'`;
}
