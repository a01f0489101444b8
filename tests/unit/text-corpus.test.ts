// The text corpora: loaded from the npm packages' files (Node's file system and Vite's imports give the same
// text), split sizes, the deterministic splits, the vocabulary, batches, and the unigram/bigram baselines
// against a separately written computation (string-keyed counts) and hand-computed values.

import { describe, expect, test } from "vitest";
import { baselines, bigramCrossEntropy, unigramCrossEntropy } from "../../src/data/text/baselines";
import { trainingBatch, validationBatches } from "../../src/data/text/batches";
import { loadCorpus, namesCorpus, splitByPosition, type TextCorpus } from "../../src/data/text/corpus";
import { nodeCorpusSource } from "../../src/data/text/sources-node";
import { viteCorpusSource } from "../../src/data/text/sources-vite";
import { Vocab, VocabError } from "../../src/data/text/vocab";

const moby = loadCorpus("moby-dick", nodeCorpusSource);
const names = loadCorpus("names", nodeCorpusSource);

/** Cross-entropies written independently of baselines.ts: counts keyed by the characters themselves. */
function referenceBaselines(train: string, val: string, chars: string[], alpha: number) {
  const V = chars.length;
  const tr = [...train];
  const va = [...val];
  const uni = new Map<string, number>();
  for (const c of tr) uni.set(c, (uni.get(c) ?? 0) + 1);
  const pair = new Map<string, number>();
  const ctx = new Map<string, number>();
  for (let i = 1; i < tr.length; i++) {
    pair.set(tr[i - 1]! + tr[i]!, (pair.get(tr[i - 1]! + tr[i]!) ?? 0) + 1);
    ctx.set(tr[i - 1]!, (ctx.get(tr[i - 1]!) ?? 0) + 1);
  }
  let u = 0;
  for (const c of va) u += -Math.log(((uni.get(c) ?? 0) + alpha) / (tr.length + alpha * V));
  let b = 0;
  for (let i = 1; i < va.length; i++) {
    const p = ((pair.get(va[i - 1]! + va[i]!) ?? 0) + alpha) / ((ctx.get(va[i - 1]!) ?? 0) + alpha * V);
    b += -Math.log(p);
  }
  return { unigram: u / va.length, bigram: b / (va.length - 1) };
}

function ids(c: TextCorpus) {
  return { train: c.vocab.encode(c.train), val: c.vocab.encode(c.val) };
}

describe("Moby-Dick", () => {
  test("the 135 chapters with their titles, split 90/10 by position, 81 characters", async () => {
    const c = await moby;
    const all = c.train + c.val;
    const n = [...all].length;
    expect(n).toBeGreaterThan(1_150_000);
    expect(n).toBeLessThan(1_250_000);
    expect([...c.val].length).toBe(Math.floor(n / 10));
    expect(all.startsWith("CHAPTER 1. Loomings.\n\nCall me Ishmael.")).toBe(true);
    expect(all.match(/^CHAPTER \d+\. /gm)?.length).toBe(135);
    expect(c.val).toContain("CHAPTER 135. ");
    expect(c.vocab.size).toBe(81);
    expect(c.vocab.unknown(all)).toEqual([]);
  });

  test("baselines near the published 3.08 and 2.41 nats/char, and equal to the independent computation", async () => {
    const c = await moby;
    const { train, val } = ids(c);
    const b = baselines(train, val, c.vocab.size);
    expect(b.unigram).toBeCloseTo(3.08, 2);
    expect(b.bigram).toBeCloseTo(2.41, 2);
    const ref = referenceBaselines(c.train, c.val, [...c.vocab.chars], 0.1);
    expect(b.unigram).toBeCloseTo(ref.unigram, 10);
    expect(b.bigram).toBeCloseTo(ref.bigram, 10);
  });
});

describe("names", () => {
  test("8,422 distinct lower-cased names, a seeded 10% held out, disjoint", async () => {
    const c = await names;
    const tr = c.trainNames!;
    const va = c.valNames!;
    expect(tr.length + va.length).toBe(8422);
    expect(va.length).toBe(842);
    expect(new Set([...tr, ...va]).size).toBe(8422);
    expect(va.every((n) => n === n.toLowerCase() && !n.includes("\n"))).toBe(true);
    expect(c.val).toBe(`\n${va.join("\n")}\n`);
    expect(c.vocab.has("\n")).toBe(true);
    expect(c.vocab.has("a") && !c.vocab.has("A")).toBe(true);
  });

  test("the split is a function of the seed", async () => {
    const lists = await nodeCorpusSource.nameLists();
    expect(namesCorpus(lists, 1).valNames).toEqual(namesCorpus(lists, 1).valNames);
    expect(namesCorpus(lists, 2).valNames).not.toEqual(namesCorpus(lists, 1).valNames);
  });

  test("the bigram baseline is near the published 2.43 nats/char and equals the independent computation", async () => {
    const c = await names;
    const { train, val } = ids(c);
    const b = baselines(train, val, c.vocab.size);
    expect(Math.abs(b.bigram - 2.43)).toBeLessThan(0.05);
    expect(b.unigram).toBeGreaterThan(b.bigram);
    const ref = referenceBaselines(c.train, c.val, [...c.vocab.chars], 0.1);
    expect(b.unigram).toBeCloseTo(ref.unigram, 10);
    expect(b.bigram).toBeCloseTo(ref.bigram, 10);
  });
});

test("Vite's imports give the same corpora as Node's files", async () => {
  const [m, n] = await Promise.all([
    loadCorpus("moby-dick", viteCorpusSource),
    loadCorpus("names", viteCorpusSource),
  ]);
  const [m0, n0] = await Promise.all([moby, names]);
  expect(m.train === m0.train && m.val === m0.val).toBe(true);
  expect(n.train).toBe(n0.train);
  expect(n.val).toBe(n0.val);
});

describe("baselines on a small text", () => {
  test("hand-computed values", () => {
    // train "aab", val "ab", V = 2 (a = 0, b = 1), α = 0.1.
    // unigram: p(a) = 2.1/3.2, p(b) = 1.1/3.2. bigram contexts: a→a, a→b: p(b|a) = 1.1/2.2.
    expect(unigramCrossEntropy([0, 0, 1], [0, 1], 2)).toBeCloseTo(
      -(Math.log(2.1 / 3.2) + Math.log(1.1 / 3.2)) / 2,
      12,
    );
    expect(bigramCrossEntropy([0, 0, 1], [0, 1], 2)).toBeCloseTo(-Math.log(1.1 / 2.2), 12);
  });

  test("against the independent computation on a text with unseen characters and pairs", () => {
    const train = "the cat sat on the mat; the dog sat on the log.";
    const val = "a cat! the hog sat.";
    const vocab = Vocab.fromTexts([train, val]);
    for (const alpha of [0.1, 1]) {
      const b = baselines(vocab.encode(train), vocab.encode(val), vocab.size, alpha);
      const ref = referenceBaselines(train, val, [...vocab.chars], alpha);
      expect(b.unigram).toBeCloseTo(ref.unigram, 12);
      expect(b.bigram).toBeCloseTo(ref.bigram, 12);
    }
  });

  test("a split by position keeps the last 10%", () => {
    expect(splitByPosition("abcdefghijklmnopqrst")).toEqual({ train: "abcdefghijklmnopqr", val: "st" });
  });
});

describe("vocabulary and batches", () => {
  test("encode refuses characters outside the vocabulary, naming them", () => {
    const v = new Vocab(["\n", "a", "b"]);
    expect(v.decode(v.encode("ab\nba"))).toBe("ab\nba");
    expect(() => v.encode("abz!z", "prompt")).toThrow(VocabError);
    expect(() => v.encode("abz!z", "prompt")).toThrow(
      "prompt has 2 characters outside the vocabulary: 'z', '!'",
    );
    expect(new Vocab(["a", "b"]).difference(new Vocab(["a", "c"]))).toBe("character 1 is 'c' instead of 'b'");
  });

  test("training batches are a function of (seed, step); targets are inputs shifted by one", () => {
    const text = Int32Array.from({ length: 200 }, (_, i) => i % 50);
    const a = trainingBatch(text, 4, 8, 7, 3);
    expect(a).toEqual(trainingBatch(text, 4, 8, 7, 3));
    expect(a.inputs).not.toEqual(trainingBatch(text, 4, 8, 7, 4).inputs);
    for (let i = 0; i < a.inputs.length; i++) expect(a.targets[i]).toBe((a.inputs[i]! + 1) % 50);
    const v = validationBatches(text, 3, 2, 8);
    expect(v).toEqual(validationBatches(text, 3, 2, 8));
    expect(() => trainingBatch(text.slice(0, 8), 1, 8, 1, 0)).toThrow(/context of 8 needs at least 9/);
  });
});
