// Formatting of a benchmark report (plain text or Markdown) and the verdict on each target of the issue, from
// the wall-clock trials of the same run (ratios paired round by round, see `ratio`). Pure functions over the
// JSON: no browser, no shaders.

import { stats } from "./harness";
import { type BenchReport, type BenchResult, CHAR_GPT_CASE, type ImplName } from "./types";

const num = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "" : x >= 100 ? x.toFixed(0) : x.toPrecision(3);

const HEAD = ["case", "shape", "impl", "median ms", "min–max ms", "reps", "GPU ms (ts)", "GFLOP/s"];

function rows(results: readonly BenchResult[]): string[][] {
  return results.map((r) => [
    r.case,
    r.shape,
    r.impl,
    num(r.medianMs),
    `${num(r.minMs)}–${num(r.maxMs)}`,
    String(r.reps),
    num(r.gpu?.medianMs),
    num(r.gflops),
  ]);
}

export function textTable(results: readonly BenchResult[]): string {
  const body = rows(results);
  const width = HEAD.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((s, c) => (c >= 3 ? s.padStart(width[c]!) : s.padEnd(width[c]!)))
      .join("  ")
      .trimEnd();
  return [line(HEAD), line(width.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

export function markdownTable(results: readonly BenchResult[]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const align = HEAD.map((_, c) => (c >= 3 ? "---:" : "---"));
  return [line(HEAD), line(align), ...rows(results).map(line)].join("\n");
}

export interface Verdict {
  target: string;
  /** Reported for information, with no bar to meet. */
  info?: boolean;
  /** Some shapes or models of the target were not measured (a runner failed its check or could not run). */
  partial?: boolean;
  /** null: not measured in this run (filtered out, skipped, or failed its check). */
  met: boolean | null;
  /** One line per shape: the ratio and what it was judged against. */
  details: string[];
}

function find(rs: readonly BenchResult[], c: string, shape: string, impl: ImplName): BenchResult | undefined {
  return rs.find((r) => r.case === c && r.shape === shape && r.impl === impl);
}

function shapesOf(rs: readonly BenchResult[], family: string): string[] {
  return [...new Set(rs.filter((r) => r.case.startsWith(`${family}/`)).map((r) => r.shape))];
}

/** slow's and fast's samples of the rounds of one group in which both ran (paired), or null with fewer than 3. */
function pairs(slow: BenchResult, fast: BenchResult): [number, number][] | null {
  if (slow.shape !== fast.shape || !slow.samples || !fast.samples || !slow.rounds || !fast.rounds)
    return null;
  const at = new Map(fast.rounds.map((r, i) => [r, fast.samples![i]!]));
  const out: [number, number][] = [];
  slow.rounds.forEach((r, i) => {
    const f = at.get(r);
    if (f !== undefined) out.push([slow.samples![i]!, f]);
  });
  return out.length >= 3 ? out : null;
}

/**
 * "slow / fast" (>1: the second is faster): the median, over the rounds in which both ran, of slow's trial over
 * fast's trial of the same round. The two ran one after the other, so the machine's drift over the group (on a
 * shared VM, a third up or down for a few hundred ms) cancels out of each pair. Without paired samples (fewer
 * than 3 rounds in common, e.g. a GPU and a CPU runner, which run in different passes, or a report without
 * samples): the ratio of the medians.
 */
export function ratio(slow: BenchResult, fast: BenchResult): number {
  const p = pairs(slow, fast);
  if (!p) return slow.medianMs / fast.medianMs;
  return stats(p.map(([s, f]) => s / f)).medianMs;
}

/** How a ratio was taken, for a detail line: " (15 paired rounds; ratio of medians 1.67x)", or "". */
function pairing(slow: BenchResult, fast: BenchResult): string {
  const p = pairs(slow, fast);
  return p ? ` (${p.length} paired rounds; ratio of medians ${x(slow.medianMs / fast.medianMs)})` : "";
}
/** Steps a training trial times ("1 step", "10 steps"): its median divided by them is the time per step. */
const stepsOf = (r: BenchResult) => Number(/^(\d+) steps?$/.exec(r.shape)?.[1] ?? 1);
const x = (v: number) => `${v.toFixed(2)}x`;

/** Speed-up of `ours` over `them` on each shape where both ran; `need(shape)` is the bar or null (not judged). */
function speedups(
  rs: readonly BenchResult[],
  family: string,
  ours: (shape: string) => BenchResult | undefined,
  them: (shape: string) => BenchResult | undefined,
  need: (shape: string) => number | null,
): Verdict["details"] & { met: boolean | null } {
  const details: string[] = [];
  let met: boolean | null = null;
  for (const shape of shapesOf(rs, family)) {
    const a = ours(shape);
    const b = them(shape);
    const bar = need(shape);
    if (!a || !b) continue;
    const s = ratio(b, a);
    const gpu = a.gpu && b.gpu ? ` (GPU timestamps: ${x(b.gpu.medianMs / a.gpu.medianMs)})` : "";
    const judged = bar === null ? "not judged" : s >= bar ? `>= ${bar}x: met` : `< ${bar}x: MISSED`;
    details.push(
      `${shape}: ${a.case} ${num(a.medianMs)} ms vs ${b.case} ${num(b.medianMs)} ms = ${x(s)}${pairing(b, a)}${gpu} [${judged}]`,
    );
    if (bar !== null) met = (met ?? true) && s >= bar;
  }
  return Object.assign(details, { met });
}

/** The square size N of a matmul shape "NxNxN", or null for a tall/skinny one. */
function squareSize(shape: string): number | null {
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(shape);
  if (!m || m[1] !== m[2] || m[2] !== m[3]) return null;
  return Number(m[1]);
}

/** T of an attention shape "B1 H4 T512 d64". */
const attnT = (shape: string) => Number(/T(\d+)/.exec(shape)?.[1] ?? 0);

/** The cores-together probe in one line, or null when the run has none. */
export function coresTogetherLine(c: BenchReport["coresTogether"]): string | null {
  if (!c) return null;
  if ("error" in c) return `cores together: not measured (${c.error})`;
  const lo = Math.min(...c.ratios);
  const hi = Math.max(...c.ratios);
  return (
    `cores together: ${c.workers} one-thread wasm matmuls ${c.shape} at once did ${x(c.ratio)} the work per ` +
    `second of one alone (${num(c.togetherGflops)} against ${num(c.aloneGflops)} GFLOP/s; median of ${c.rounds} ` +
    `rounds of ${c.msPerRun} ms, ${x(lo)}-${x(hi)}): about the most a split of one op over these cores can gain here`
  );
}

/**
 * The most "every core" could gain over one thread in the rounds it ran: threads × one thread's trial alone over
 * the same one-thread trial while every other core ran a copy of it ("matmul/simd-loaded"), paired by round (the
 * median over rounds), or null without at least 3 rounds in common. It takes the copies to go as fast as the
 * timed thread.
 */
export function loadedCeiling(
  alone: BenchResult,
  loaded: BenchResult,
  threads: number,
): { ceiling: number; rounds: number } | null {
  const p = pairs(alone, loaded);
  if (!p || threads < 2) return null;
  return { ceiling: stats(p.map(([a, l]) => (threads * a) / l)).medianMs, rounds: p.length };
}

function ceilingLine(rs: readonly BenchResult[], shape: string, threads: number): string | null {
  const alone = find(rs, "matmul/simd", shape, "ours-wasm-1");
  const loaded = find(rs, "matmul/simd-loaded", shape, "ours-wasm-1");
  const c = alone && loaded ? loadedCeiling(alone, loaded, threads) : null;
  if (!c) return null;
  const copies = threads - 1 === 1 ? "a copy" : `${threads - 1} copies`;
  return (
    `    ceiling in the same rounds: ${x(c.ceiling)} (one thread ${num(alone!.medianMs)} ms alone, ` +
    `${num(loaded!.medianMs)} ms with ${copies} on the other cores; ${c.rounds} paired rounds)`
  );
}

export function verdicts(
  report: Pick<BenchReport, "results" | "defaults" | "skipped"> &
    Partial<Pick<BenchReport, "coresTogether" | "wasm">>,
): Verdict[] {
  const rs = report.results;
  const mm = report.defaults?.matmul ?? "register";
  const sm = report.defaults?.softmax ?? "row";
  const out: Verdict[] = [];
  const push = (target: string, d: string[] & { met: boolean | null }) =>
    out.push({ target, met: d.met, details: [...d] });

  push(
    `our WebGPU matmul (default variant '${mm}') >= 3x tfjs-webgpu at square sizes >= 256, >= 1.5x on every shape`,
    speedups(
      rs,
      "matmul",
      (s) => find(rs, `matmul/${mm}`, s, "ours-webgpu"),
      (s) => find(rs, "matmul/tf.matMul", s, "tfjs-webgpu"),
      (s) => ((squareSize(s) ?? 0) >= 256 ? 3 : 1.5),
    ),
  );
  push(
    `our softmax (default variant '${sm}') >= 5x tfjs-webgpu`,
    speedups(
      rs,
      "softmax",
      (s) => find(rs, `softmax/${sm}`, s, "ours-webgpu"),
      (s) => find(rs, "softmax/tf.softmax", s, "tfjs-webgpu"),
      () => 5,
    ),
  );
  const fusedVsUnfused = speedups(
    rs,
    "attention",
    (s) => find(rs, "attention/fused", s, "ours-webgpu"),
    (s) => find(rs, "attention/unfused", s, "ours-webgpu"),
    (s) => (attnT(s) >= 512 ? 1.3 : null),
  );
  // Memory: the fused path's peak pool growth against the unfused path's, at every T.
  let memMet: boolean | null = null;
  for (const s of shapesOf(rs, "attention")) {
    const f = find(rs, "attention/fused", s, "ours-webgpu");
    const u = find(rs, "attention/unfused", s, "ours-webgpu");
    if (!f?.peakBytes || !u?.peakBytes) continue;
    const frac = f.peakBytes / u.peakBytes;
    const judged = attnT(s) >= 512 ? (frac <= 1 / 8 ? "<= 1/8: met" : "> 1/8: MISSED") : "not judged";
    fusedVsUnfused.push(
      `${s}: peak pool bytes fused ${f.peakBytes} vs unfused ${u.peakBytes} = 1/${(1 / frac).toFixed(1)} [${judged}]`,
    );
    if (attnT(s) >= 512) memMet = (memMet ?? true) && frac <= 1 / 8;
  }
  fusedVsUnfused.met =
    fusedVsUnfused.met === null || memMet === null
      ? (fusedVsUnfused.met ?? memMet)
      : fusedVsUnfused.met && memMet;
  push(
    "fused attention forward >= 1.3x our unfused path at T >= 512, with <= 1/8 of its peak memory",
    fusedVsUnfused,
  );
  push(
    "fused attention forward >= 2x tfjs-webgpu's matMul+softmax+matMul (judged at T >= 512)",
    speedups(
      rs,
      "attention",
      (s) => find(rs, "attention/fused", s, "ours-webgpu"),
      (s) => find(rs, "attention/tf.matMul+softmax+matMul", s, "tfjs-webgpu"),
      (s) => (attnT(s) >= 512 ? 2 : null),
    ),
  );
  push(
    "our CPU matmul (ikj4) >= 2x tfjs-cpu",
    speedups(
      rs,
      "matmul",
      (s) => find(rs, "matmul/ikj4", s, "ours-cpu"),
      (s) => find(rs, "matmul/tf.matMul", s, "tfjs-cpu"),
      () => 2,
    ),
  );
  const wasm = speedups(
    rs,
    "matmul",
    (s) => find(rs, "matmul/ikj4", s, "ours-cpu"),
    (s) => find(rs, "matmul/tf.matMul", s, "tfjs-wasm"),
    () => null,
  );
  out.push({
    target: "our CPU matmul (ikj4) against tfjs-wasm (no target)",
    info: true,
    met: null,
    details: [...wasm],
  });
  // The wasm backend (the targets of the WebAssembly issue): one thread against tfjs-wasm (SIMD, one thread),
  // every core against one thread, and the fused attention against tfjs-wasm's composed one.
  push(
    "our wasm matmul, 1 thread, >= 1.0x tfjs-wasm (judged at square sizes 256-1024 and the skinny shapes)",
    speedups(
      rs,
      "matmul",
      (s) => find(rs, "matmul/simd", s, "ours-wasm-1"),
      (s) => find(rs, "matmul/tf.matMul", s, "tfjs-wasm"),
      (s) => ((squareSize(s) ?? 256) >= 256 ? 1 : null),
    ),
  );
  push(
    "our wasm matmul on every core >= 1.7x our one thread (same shapes)",
    speedups(
      rs,
      "matmul",
      (s) => find(rs, "matmul/simd", s, "ours-wasm"),
      (s) => find(rs, "matmul/simd", s, "ours-wasm-1"),
      (s) => ((squareSize(s) ?? 256) >= 256 ? 1.7 : null),
    ),
  );
  // The machine's own ceiling for that target (not a bar: lines to read it by): per shape in the same rounds,
  // and from the cores-together probe before the groups.
  const everyCore = out.at(-1)!;
  const threads = report.wasm?.threads ?? 0;
  everyCore.details = everyCore.details.flatMap((line) => {
    const c = ceilingLine(rs, line.slice(0, line.indexOf(":")), threads);
    return c ? [line, c] : [line];
  });
  const ceiling = coresTogetherLine(report.coresTogether);
  if (ceiling && everyCore.details.length) everyCore.details.push(ceiling);
  push(
    "our wasm softmax (every core) >= 1.0x tfjs-wasm",
    speedups(
      rs,
      "softmax",
      (s) => find(rs, "softmax/simd", s, "ours-wasm"),
      (s) => find(rs, "softmax/tf.softmax", s, "tfjs-wasm"),
      () => 1,
    ),
  );
  for (const fam of ["attention", "attention-backward"] as const) {
    const theirs =
      fam === "attention"
        ? "attention/tf.matMul+softmax+matMul"
        : "attention-backward/tf.matMul+softmax-grad";
    push(
      `our wasm ${fam} (fused, every core) >= 2x tfjs-wasm's composed ${fam} (judged at T >= 128)`,
      speedups(
        rs,
        fam,
        (s) => find(rs, `${fam}/fused`, s, "ours-wasm"),
        (s) => find(rs, theirs, s, "tfjs-wasm"),
        (s) => (attnT(s) >= 128 ? 2 : null),
      ),
    );
  }
  // Training: one group per model, judged per model.
  // The last against our CPU backend as it trains by default: the row with the ikj4 matmul (its default variant).
  for (const [ours, them, bar, suffix] of [
    ["ours-webgpu", "tfjs-webgpu", 2, ""],
    ["ours-cpu", "tfjs-cpu", 2, ""],
    ["ours-wasm", "tfjs-wasm", 2, ""],
    ["ours-wasm", "ours-cpu", 3, " (cpu matmul ikj4)"],
  ] as const) {
    const details: string[] = [];
    let met: boolean | null = null;
    // "train/<model>" is judged; "train/<model> (variant)" rows are compared with the same tfjs row, unjudged.
    const judgedCases = rs.filter((r) => r.case.startsWith("train/") && r.case !== CHAR_GPT_CASE);
    for (const c of new Set(judgedCases.map((r) => r.case))) {
      const base = c.split(" ")[0]!;
      const a = rs.find((r) => r.case === c && r.impl === ours);
      if (suffix && c !== base) continue;
      const b = rs.find((r) => r.case === base + suffix && r.impl === them);
      if (!a || !b) continue;
      const s = ratio(b, a);
      const judged =
        c !== base ? "a variant, not judged" : s >= bar ? `>= ${bar}x: met` : `< ${bar}x: MISSED`;
      details.push(
        `${c}: ${num(a.medianMs / stepsOf(a))} ms vs ${num(b.medianMs / stepsOf(b))} ms per step = ${x(s)}${pairing(b, a)} [${judged}]`,
      );
      if (c === base) met = (met ?? true) && s >= bar;
    }
    // A model whose judged runner failed its check or could not run leaves the target partly measured.
    let partial = false;
    for (const k of report.skipped) {
      if (!k.case.startsWith("train/") || k.case === CHAR_GPT_CASE) continue;
      if (k.case.includes(" ") || (k.impl !== ours && k.impl !== them)) continue;
      details.push(
        `${k.case}: ${k.impl} ${k.failed ? "FAILED its check" : "did not run"}: ${k.reason} [not judged]`,
      );
      partial = true;
    }
    const baseline = suffix ? `${them} with its default ikj4 matmul` : them;
    out.push({
      target: `training step on ${ours} >= ${bar}x faster than ${baseline}`,
      met,
      partial,
      details,
    });
  }
  out.push(charGptVerdict(rs));
  return out;
}

/** The language model's step: each of ours against every other implementation that ran (no target). */
function charGptVerdict(rs: readonly BenchResult[]): Verdict {
  const mine = rs.filter((r) => r.case === CHAR_GPT_CASE);
  const details: string[] = [];
  for (const a of mine) {
    const tps = a.tokensPerSecond === null ? "" : `, ${a.tokensPerSecond.toFixed(0)} tokens/s`;
    const line = `${a.impl}: ${num(a.medianMs)} ms/step (median of ${a.reps})${tps}`;
    if (!a.impl.startsWith("ours-")) {
      details.push(line);
      continue;
    }
    const vs = mine.filter((b) => !b.impl.startsWith("ours-")).map((b) => `${b.impl} ${x(ratio(b, a))}`);
    details.push(vs.length ? `${line}; speed-up (their ms / ours): ${vs.join(", ")}` : line);
  }
  return {
    target: `${CHAR_GPT_CASE}: one training step of the small preset, ours against tfjs and PyTorch (no target)`,
    info: true,
    met: null,
    details,
  };
}

export function verdictWord(v: Verdict): string {
  if (v.info) return "reported";
  if (v.met === null) return "not measured";
  return v.met ? (v.partial ? "met where measured" : "met") : "missed";
}

export function verdictText(vs: readonly Verdict[]): string {
  return vs
    .map((v) => {
      const head = verdictWord(v).toUpperCase();
      return [`${head}: ${v.target}`, ...v.details.map((d) => `    ${d}`)].join("\n");
    })
    .join("\n");
}

function torchLine(t: BenchReport["torch"]): string {
  if (!t) return "not started (no runner asked for it)";
  if ("error" in t) return `unavailable (${t.error})`;
  return `${t.version}, CPU, ${t.threads} intra-op thread(s) (torch-cpu-1: 1), BLAS ${t.blas ?? "?"} (${t.python})`;
}

/** The run's setting, one line each: adapter, clocks, browser, CPU, tfjs, our default variants, flags. */
export function headerLines(report: BenchReport): string[] {
  const a = report.adapter;
  const ts = a.timestampQuery
    ? `yes${a.timestampQuantizedUs ? ` (quantised to ${a.timestampQuantizedUs} µs)` : " (not quantised)"}`
    : "no";
  const wasm = `${report.tfjs.wasmSimd ? "SIMD" : "no SIMD"}, ${report.tfjs.wasmThreads ?? "?"} thread(s)`;
  return [
    `adapter: ${a.vendor || "?"} / ${a.architecture || "?"} / ${a.description || "?"}${a.software ? " (software)" : ""}`,
    `timestamp-query: ${ts}`,
    `chromium: ${report.chromium}; cores: ${report.cores} (${report.cpu || "?"})`,
    `tfjs ${report.tfjs.version}; wasm: ${wasm}`,
    `our wasm backend: ${report.wasm ? `${report.wasm.threads} thread(s) on every core (${report.wasm.reason}); ours-wasm-1: 1 thread` : "unavailable"}`,
    ...(coresTogetherLine(report.coresTogether) ? [coresTogetherLine(report.coresTogether)!] : []),
    `our default variants: ${report.defaults ? JSON.stringify(report.defaults) : "none (no WebGPU)"}`,
    `pytorch: ${torchLine(report.torch)}`,
    `flags: ${report.flags.join(" ")}`,
    `measured in ${Math.round(report.seconds)} s${report.quick ? " (--quick)" : ""}${report.filter.length ? `, filter ${report.filter.join(",")}` : ""}`,
  ];
}

/** Setting, table, verdicts and what did not run, as Markdown. */
export function markdownReport(report: BenchReport): string {
  const vs = verdicts(report)
    .map((v) => `- **${verdictWord(v)}**: ${v.target}\n${v.details.map((d) => `  - ${d}`).join("\n")}`)
    .join("\n");
  const skipped = report.skipped.map(
    (k) =>
      `- ${k.case} ${k.shape} ${k.impl}: ${k.failed ? "**failed its check**" : "did not run"}: ${k.reason}`,
  );
  const parts = [
    headerLines(report)
      .map((h) => `- ${h}`)
      .join("\n"),
    markdownTable(report.results),
    vs,
    ...(skipped.length ? [`Not timed:\n\n${skipped.join("\n")}`] : []),
  ];
  return `${parts.join("\n\n")}\n`;
}
