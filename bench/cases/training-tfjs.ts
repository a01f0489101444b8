// The registry's experts-attention and transformer models written with tfjs ops, trained with tf.train.adam,
// starting from the initial weights of our model (read from a CPU instance built with the same seed) and fed
// the same batches as our task: the same computation, so the losses can be compared step by step.

import { Context } from "../../src/autograd/variable";
import type { CpuBackend } from "../../src/backend/cpu";
import { packRecipes, recipeBatch, recipeData } from "../../src/data/recipe";
import { modelEntry, RECIPE_BATCH, regressionTrainData } from "../../src/models/registry";
import type { Transformer } from "../../src/models/transformer";
import type { Module } from "../../src/nn/module";
import { tf } from "../lib/tfjs";

export interface TfModel {
  /** One Adam step; with `readLoss`, a promise of the loss computed before the update. */
  step(readLoss: boolean): Promise<Float32Array> | null;
  dispose(): void;
}

export type Weights = Map<string, tf.Variable>;

/** A model's parameters by dotted name, as tfjs variables on the active backend; the model's are freed. */
export async function tfWeightsOf(model: Module): Promise<Weights> {
  const vars: Weights = new Map();
  for (const [n, p] of model.namedParameters()) {
    // Unnamed: tfjs variable names are global, and one model per backend lives at a time.
    const data = await p.read();
    vars.set(
      n,
      tf.tidy(() => tf.variable(tf.tensor(data, [...p.shape]))),
    );
    p.free();
  }
  return vars;
}

/** Our registry model's initial parameters by dotted name, as tfjs variables on the active backend. */
async function initialWeights(name: string, cpu: CpuBackend): Promise<{ vars: Weights; config: unknown }> {
  const model = modelEntry(name).task({ seed: 1, dataSeed: 1 }).build(new Context(cpu));
  const config = (model as Partial<Transformer>).config ?? null;
  return { vars: await tfWeightsOf(model), config };
}

export function w(vars: Weights, name: string): tf.Variable {
  const v = vars.get(name);
  if (!v)
    throw new Error(`tfjs model: no parameter '${name}' in our model (have ${[...vars.keys()].join(", ")})`);
  return v;
}

/** x [N, in] · W [in, out] + b. */
export function linear(vars: Weights, prefix: string, x: tf.Tensor): tf.Tensor {
  return tf.add(
    tf.matMul(x as tf.Tensor2D, w(vars, `${prefix}.weight`) as tf.Tensor2D),
    w(vars, `${prefix}.bias`),
  );
}

export function layerNorm(vars: Weights, prefix: string, x: tf.Tensor, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(xhat, w(vars, `${prefix}.gamma`)), w(vars, `${prefix}.beta`));
}

/** Mean cross-entropy of logits [N, V] against class ids [N]. */
export function crossEntropy(logits: tf.Tensor, targets: Int32Array, V: number): tf.Scalar {
  const onehot = tf.oneHot(tf.tensor1d(targets, "int32"), V);
  return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), -1))) as tf.Scalar;
}

/** The causal mask [T, T] added to the scores: query i sees keys j <= i. */
export function causalMask(T: number): tf.Tensor2D {
  const data = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) data[i * T + j] = -1e9;
  return tf.tensor2d(data, [T, T]);
}

/** Multi-head attention of rows x [B·T, C] under `mask` (q, k, v, o linear layers at `prefix`) → [B·T, C]. */
export function selfAttention(
  vars: Weights,
  prefix: string,
  x: tf.Tensor,
  s: { B: number; T: number; heads: number },
  mask: tf.Tensor2D,
): tf.Tensor {
  const { B, T, heads } = s;
  const C = x.shape[1]!;
  const hs = C / heads;
  const split = (name: string) =>
    tf.transpose(tf.reshape(linear(vars, `${prefix}.${name}`, x), [B, T, heads, hs]), [0, 2, 1, 3]);
  const scores = tf.add(tf.mul(tf.matMul(split("q"), split("k"), false, true), 1 / Math.sqrt(hs)), mask);
  const y = tf.matMul(tf.softmax(scores), split("v")); // [B, nh, T, hs]
  return linear(vars, `${prefix}.o`, tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, C]));
}

function trainer(vars: Weights, lr: number, loss: (step: number) => tf.Scalar): TfModel {
  const opt = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  const list = [...vars.values()];
  let step = 0;
  return {
    step: (readLoss) => {
      const s = step++;
      if (!readLoss) {
        tf.tidy(() => {
          opt.minimize(() => loss(s), false, list);
        });
        return null;
      }
      const cost = tf.tidy(() => opt.minimize(() => loss(s), true, list)!);
      return cost.data().then((d) => {
        cost.dispose();
        return d as Float32Array;
      });
    },
    dispose: () => {
      opt.dispose();
      for (const v of list) v.dispose();
    },
  };
}

/** y = Σᵢ softmax(x·Ws + bs)ᵢ · (x·Wv + bv)ᵢ over (x, s) rows; mean squared error. */
async function expertsAttention(cpu: CpuBackend): Promise<TfModel> {
  const entry = modelEntry("experts-attention");
  const d = regressionTrainData(entry.data, 1);
  const { vars } = await initialWeights(entry.name, cpu);
  return trainer(vars, entry.train.optimizer.lr, () => {
    const x = tf.tensor2d(d.inputs, [d.n, 2]);
    const y = tf.tensor1d(d.targets);
    const weights = tf.softmax(linear(vars, "mixture.scores", x));
    const pred = tf.sum(tf.mul(weights, linear(vars, "mixture.values", x)), -1);
    return tf.mean(tf.square(tf.sub(pred, y))) as tf.Scalar;
  });
}

interface BlockConfig {
  width: number;
  heads: number;
  layers: number;
}

/** Post-norm blocks of causal multi-head attention and a ReLU FFN; cross-entropy of the token after the last. */
async function transformer(cpu: CpuBackend): Promise<TfModel> {
  const entry = modelEntry("transformer");
  const { train } = recipeData({ seed: 1 });
  const { vars, config } = await initialWeights(entry.name, cpu);
  const c = config as BlockConfig;
  return trainer(vars, entry.train.optimizer.lr, (step) => {
    const { ids, answers } = packRecipes(recipeBatch(train, RECIPE_BATCH, 1, step));
    const B = answers.length;
    const T = ids.length / B;
    const C = c.width;
    const V = w(vars, "head.bias").shape[0]!;
    let h = tf.add(
      tf.gather(w(vars, "tokens.table"), tf.tensor2d(Int32Array.from(ids), [B, T], "int32")),
      tf.slice(w(vars, "positions.table"), [0, 0], [T, C]),
    ); // [B, T, C]
    const mask = causalMask(T);
    for (let l = 0; l < c.layers; l++) {
      const p = `blocks.${l}`;
      const flat = tf.reshape(h, [B * T, C]);
      const attn = selfAttention(vars, `${p}.attn`, flat, { B, T, heads: c.heads }, mask);
      const a = layerNorm(vars, `${p}.ln1`, tf.add(flat, attn));
      const f = linear(vars, `${p}.ffn.1`, tf.relu(linear(vars, `${p}.ffn.0`, a)));
      h = tf.reshape(layerNorm(vars, `${p}.ln2`, tf.add(a, f)), [B, T, C]);
    }
    const last = tf.reshape(tf.slice(h, [0, T - 1, 0], [B, 1, C]), [B, C]);
    const logits = linear(vars, "head", last);
    return crossEntropy(logits, Int32Array.from(answers), V);
  });
}

export async function tfModel(name: "experts-attention" | "transformer", cpu: CpuBackend): Promise<TfModel> {
  return name === "transformer" ? transformer(cpu) : expertsAttention(cpu);
}
