// Learned weights as readable equations, rounded to one decimal like the seed article prints them:
//   s1 = 0.0x − 10.0z + 3.9        r3 = 1.0x + 0.0        h2 = relu(0.4x − 1.3z + 0.2)
// Layers here are stored with the bias folded in as the last input row: W [(in + 1) × out], row-major, so column
// j holds output j's weights on inputs 0..in−1 and then its bias (the layout of models/batched.ts).

import type { Variable } from "../../autograd/variable";
import { FEATURE_MAPS } from "../../models/regression";
import type { SwitchModel } from "../../models/switch";
import type { SeedTrainer } from "../../run/seeds";

/** One decimal with a true minus sign; −0.0 prints as 0.0. */
export function fmt(v: number, digits = 1): string {
  const r = v.toFixed(digits);
  return Number(r) === 0 ? (0).toFixed(digits) : r.replace("-", "−");
}

/** "a·n1 + b·n2 + c" as "0.0x − 10.0z + 3.9" (the first term keeps its own sign). */
export function linearTerms(names: readonly string[], coefs: readonly number[], bias?: number): string {
  const terms: [number, string][] = coefs.map((c, i) => [c, names[i]!]);
  if (bias !== undefined) terms.push([bias, ""]);
  return terms
    .map(([c, name], i) => {
      const s = fmt(Math.abs(c)) + name;
      const neg = Number(c.toFixed(1)) !== 0 && c < 0;
      if (i === 0) return neg ? `−${s}` : s;
      return neg ? ` − ${s}` : ` + ${s}`;
    })
    .join("");
}

/** Column j of a folded layer W [(I + 1) × O]: its I weights and its bias. */
export function column(W: ArrayLike<number>, I: number, O: number, j: number): { w: number[]; b: number } {
  const w: number[] = [];
  for (let i = 0; i < I; i++) w.push(W[i * O + j]!);
  return { w, b: W[I * O + j]! };
}

/** Every output of one folded layer as `lhs_j = terms`. */
export function layerEquations(
  W: ArrayLike<number>,
  inputs: readonly string[],
  O: number,
  lhs: (j: number) => string,
  wrap: (terms: string) => string = (t) => t,
): string[] {
  const I = inputs.length;
  return Array.from({ length: O }, (_, j) => {
    const { w, b } = column(W, I, O, j);
    return `${lhs(j)} = ${wrap(linearTerms(inputs, w, b))}`;
  });
}

/** A chain Linear, ReLU, Linear, ...: hidden units h1.., then y (one line per unit). */
export function chainEquations(
  layers: { W: ArrayLike<number>; out: number }[],
  features: readonly string[],
): string[] {
  const lines: string[] = [];
  let inputs = features;
  layers.forEach((l, i) => {
    const last = i === layers.length - 1;
    // Layers after the first read the previous hidden units: h1.. for one hidden layer, g1.. for a second.
    const name = last ? "y" : ("hgfe"[i] ?? `h${i}_`);
    lines.push(
      ...layerEquations(
        l.W,
        inputs,
        l.out,
        (j) => (last && l.out === 1 ? "y" : `${name}${j + 1}`),
        last ? undefined : (t) => `relu(${t})`,
      ),
    );
    inputs = Array.from({ length: l.out }, (_, j) => `·${name}${j + 1}`);
  });
  // Terms over hidden units read "0.4·h1": the "·" separates coefficient and unit name.
  return lines;
}

/** The attention mixture: scores s1..sE and values r1..rE, then y = Σ softmax(s)ᵢ·rᵢ. */
export function mixtureEquations(
  values: ArrayLike<number>,
  scores: ArrayLike<number>,
  features: readonly string[],
  E: number,
): string[] {
  return [
    ...layerEquations(scores, features, E, (j) => `s${j + 1}`),
    ...layerEquations(values, features, E, (j) => `r${j + 1}`),
    `y = Σᵢ softmax(s)ᵢ · rᵢ`,
  ];
}

/** The learned equations of seed k of `run`; `inputs` names the two raw inputs (grain: x, z; experts: x, s). */
export async function seedEquations(
  run: SeedTrainer,
  k: number,
  inputs: readonly [string, string],
): Promise<string[]> {
  const [a, b] = inputs;
  const b_ = run.batched;
  if (b_) {
    const mats = await Promise.all(b_.weights.map((w) => w.read()));
    const slices = b_.weights.map((w, i) => {
      const [, I1, O] = w.shape as [number, number, number];
      return { W: mats[i]!.subarray(k * I1 * O, (k + 1) * I1 * O), out: O };
    });
    const names = FEATURE_MAPS[b_.features].names.map((n) => n.replace("x", a).replace("z", b));
    if (b_.kind === "mixture") return mixtureEquations(slices[0]!.W, slices[1]!.W, names, slices[0]!.out);
    return chainEquations(slices, names);
  }
  const m = run.bank!.models[k] as SwitchModel;
  const G = m.grains;
  const read = (v: Variable | null) => (v ? v.read() : Promise.resolve(new Float32Array(G)));
  const [cw, cb, sw, gw, gb] = await Promise.all([
    read(m.classifier.weight),
    read(m.classifier.bias),
    read(m.slope.weight),
    read(m.gate.weight),
    read(m.gate.bias),
  ]);
  // The classifier and the gate are stored x·W (W [in, out]); fold their biases in as a last row for layerEquations.
  const fold = (W: Float32Array, bias: Float32Array) => Float32Array.from([...W, ...bias]);
  const pNames = Array.from({ length: G }, (_, j) => `·p${j + 1}`);
  return [
    ...layerEquations(fold(cw!, cb!), [b], G, (j) => `c${j + 1}`),
    `p = softmax(c)`,
    ...Array.from({ length: G }, (_, j) => {
      const gate = Array.from({ length: G }, (_, i) => gw![i * G + j]!);
      return `h${j + 1} = relu(${linearTerms([a, ...pNames], [sw![j]!, ...gate], gb![j]!)})`;
    }),
    `y = ${Array.from({ length: G }, (_, j) => `h${j + 1}`).join(" + ")}`,
  ];
}
