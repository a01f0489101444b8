// A character vocabulary: the distinct characters of a corpus in code-point order, one id each. It is saved
// with the model, and a weights file is refused unless its vocabulary is the same.

export class VocabError extends Error {
  override name = "VocabError";
}

/** Shows a character so a message can name it: printable as itself, else as U+XXXX (newline as \n). */
export function showChar(c: string): string {
  if (c === "\n") return "\\n";
  if (c === "\t") return "\\t";
  const cp = c.codePointAt(0)!;
  return cp < 0x20 || cp === 0x7f ? `U+${cp.toString(16).toUpperCase().padStart(4, "0")}` : c;
}

export class Vocab {
  readonly chars: readonly string[];
  private readonly ids: Map<string, number>;

  /** `chars` must be distinct single characters (code points). */
  constructor(chars: readonly string[]) {
    const ids = new Map<string, number>();
    chars.forEach((c, i) => {
      if ([...c].length !== 1)
        throw new VocabError(`vocabulary: entry ${i} is not one character: ${JSON.stringify(c)}`);
      if (ids.has(c)) throw new VocabError(`vocabulary: '${showChar(c)}' appears twice`);
      ids.set(c, i);
    });
    this.chars = [...chars];
    this.ids = ids;
  }

  /** The distinct characters of `texts`, sorted by code point. */
  static fromTexts(texts: readonly string[]): Vocab {
    const set = new Set<string>();
    for (const t of texts) for (const c of t) set.add(c);
    return new Vocab([...set].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  get size(): number {
    return this.chars.length;
  }

  has(c: string): boolean {
    return this.ids.has(c);
  }

  id(c: string): number {
    const i = this.ids.get(c);
    if (i === undefined) throw new VocabError(`'${showChar(c)}' is not in the vocabulary`);
    return i;
  }

  /** The distinct characters of `text` outside the vocabulary, in order of first appearance. */
  unknown(text: string): string[] {
    const out = new Set<string>();
    for (const c of text) if (!this.ids.has(c)) out.add(c);
    return [...out];
  }

  /** Ids of every character; refuses text with characters outside the vocabulary, naming them. */
  encode(text: string, what = "text"): Int32Array {
    const bad = this.unknown(text);
    if (bad.length) {
      throw new VocabError(
        `${what} has ${bad.length} character${bad.length > 1 ? "s" : ""} outside the vocabulary: ${bad
          .map((c) => `'${showChar(c)}'`)
          .join(", ")}`,
      );
    }
    const cps = [...text];
    const out = new Int32Array(cps.length);
    cps.forEach((c, i) => {
      out[i] = this.ids.get(c)!;
    });
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    let s = "";
    for (let i = 0; i < ids.length; i++) {
      const c = this.chars[ids[i]!];
      if (c === undefined) throw new VocabError(`id ${ids[i]} is outside the vocabulary of ${this.size}`);
      s += c;
    }
    return s;
  }

  /** The first difference from another vocabulary, as a sentence, or null when they are the same. */
  difference(other: Vocab): string | null {
    if (other.size !== this.size) return `${other.size} characters instead of ${this.size}`;
    for (let i = 0; i < this.size; i++) {
      if (other.chars[i] !== this.chars[i]) {
        return `character ${i} is '${showChar(other.chars[i]!)}' instead of '${showChar(this.chars[i]!)}'`;
      }
    }
    return null;
  }

  toJSON(): string[] {
    return [...this.chars];
  }
}
