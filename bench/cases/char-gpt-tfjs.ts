// The character-level GPT (src/models/char-gpt.ts) written with tfjs ops, as a tfjs user would, trained with AdamW
// written with tfjs ops (tfjs 4.22 has no AdamW: tf.train.adam has no weight decay), from our seed-1 model's initial
// weights and on our task's batches:
//   x = E[ids] + P[0..T)                             (token embedding by tf.gather; see below for wasm)
//   x = x + attn(ln1(x)); x = x + mlp(ln2(x))        per block, GELU (tanh form) as x·sigmoid(2u)
//   logits = ln_f(x) · Eᵀ                            (the head tied to the token table)
//   loss = mean cross-entropy (tf.logSoftmax)
// then the global gradient norm clipped to clipNorm (scale min(1, clip / (‖g‖ + 1e-6)), as ours) and AdamW with
// the decay on matrices only, at the learning rate of each step's schedule.
//
// tfjs-wasm 4.22 has no UnsortedSegmentSum kernel, the gradient of tf.gather: on a backend without it the token
// embedding is a product with the one-hot rows instead (768×81·81×128 here, under 0.3% of a step's arithmetic).

import { Context } from "../../src/autograd/variable";
import type { CpuBackend } from "../../src/backend/cpu";
import { GELU_A, GELU_B } from "../../src/kernels/elementwise/reference";
import { CharGPT } from "../../src/models/char-gpt";
import { type TfBackendName, tf } from "../lib/tfjs";
import type { CharGptBench } from "./char-gpt";
import {
  causalMask,
  crossEntropy,
  layerNorm,
  linear,
  selfAttention,
  type TfModel,
  tfWeightsOf,
  type Weights,
  w,
} from "./training-tfjs";

/** GELU, tanh approximation: x·σ(2√(2/π)(x + 0.044715x³)), the form of our kernel. */
function gelu(x: tf.Tensor): tf.Tensor {
  const u = tf.add(x, tf.mul(tf.pow(x, 3), GELU_B));
  return tf.mul(x, tf.sigmoid(tf.mul(u, 2 * GELU_A)));
}

/** AdamW over `vars` (decay on rank >= 2 only) with global-norm clipping; `loss(step)` builds the step's loss. */
function adamw(vars: Weights, b: CharGptBench, loss: (step: number) => tf.Scalar): TfModel {
  const o = b.optimizer;
  const beta1 = o.beta1 ?? 0.9;
  const beta2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const wd = o.weightDecay ?? 0;
  const clip = o.clipNorm ?? Infinity;
  const list = [...vars.values()];
  const zeros = () => list.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p))));
  const m = zeros();
  const v = zeros();
  let step = 0;
  return {
    step: (readLoss) => {
      const s = step++;
      const lr = b.lrAt(s);
      const bc1 = 1 - beta1 ** (s + 1);
      const bc2 = 1 - beta2 ** (s + 1);
      const cost = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => loss(s), list);
        const gs = list.map((p) => grads[p.name]!);
        // A chain of adds, not tf.addN: tfjs-webgpu's addN binds every input at once, and 69 exceed the device's
        // 8 storage buffers per stage (its pipeline fails validation and the step computes garbage).
        const norm = tf.sqrt(gs.map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b)));
        const scale = Number.isFinite(clip) ? tf.minimum(1, tf.div(clip, tf.add(norm, 1e-6))) : tf.scalar(1);
        list.forEach((p, i) => {
          const g = tf.mul(gs[i]!, scale);
          const mi = tf.add(tf.mul(m[i]!, beta1), tf.mul(g, 1 - beta1));
          const vi = tf.add(tf.mul(v[i]!, beta2), tf.mul(tf.square(g), 1 - beta2));
          m[i]!.assign(mi);
          v[i]!.assign(vi);
          let update = tf.div(tf.div(mi, bc1), tf.add(tf.sqrt(tf.div(vi, bc2)), eps));
          if (wd > 0 && p.rank >= 2) update = tf.add(update, tf.mul(p, wd));
          p.assign(tf.sub(p, tf.mul(update, lr)));
        });
        return value;
      });
      if (!readLoss) {
        cost.dispose();
        return null;
      }
      return cost.data().then((d) => {
        cost.dispose();
        return d as Float32Array;
      });
    },
    dispose: () => {
      for (const t of [...list, ...m, ...v]) t.dispose();
    },
  };
}

/** The tfjs twin of our char-gpt on the active tfjs backend `backend`, from our model's initial weights. */
export async function tfCharGpt(b: CharGptBench, cpu: CpuBackend, backend: TfBackendName): Promise<TfModel> {
  const vars = await tfWeightsOf(new CharGPT(new Context(cpu), b.config));
  const { layers, heads, width: C, context: T, vocab: V } = b.config;
  const B = b.training.batch;
  const gather = tf.getKernel("UnsortedSegmentSum", backend) !== undefined;
  return adamw(vars, b, (step) => {
    const { ids, targets } = b.batchAt(step);
    const table = w(vars, "tokens.table");
    const flatIds = tf.tensor1d(ids, "int32");
    const tok = gather
      ? tf.gather(table, flatIds)
      : tf.matMul(tf.cast(tf.oneHot(flatIds, V), "float32") as tf.Tensor2D, table as tf.Tensor2D); // [B·T, C]
    let x = tf.add(tf.reshape(tok, [B, T, C]), tf.slice(w(vars, "positions.table"), [0, 0], [T, C]));
    x = tf.reshape(x, [B * T, C]);
    const mask = causalMask(T);
    for (let l = 0; l < layers; l++) {
      const p = `blocks.${l}`;
      const a = selfAttention(vars, `${p}.attn`, layerNorm(vars, `${p}.ln1`, x), { B, T, heads }, mask);
      x = tf.add(x, a);
      const h = gelu(linear(vars, `${p}.mlp.0`, layerNorm(vars, `${p}.ln2`, x)));
      x = tf.add(x, linear(vars, `${p}.mlp.1`, h));
    }
    const logits = tf.matMul(layerNorm(vars, "lnF", x) as tf.Tensor2D, table as tf.Tensor2D, false, true);
    return crossEntropy(logits, targets, V);
  });
}
