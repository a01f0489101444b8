// Losses and read-outs of the transformer's tasks (data/recipe.ts).

import * as op from "../autograd/ops";
import type { Context, Variable } from "../autograd/variable";
import { packRecipes, type RecipeSentence } from "../data/recipe";
import type { Transformer } from "./transformer";

function recipeInputs(
  ctx: Context,
  sentences: readonly RecipeSentence[],
): { ids: Variable; answers: Variable } {
  const { ids, answers } = packRecipes(sentences);
  const T = sentences[0]!.tokens.length;
  return {
    ids: ctx.constant(ids, [sentences.length, T]),
    answers: ctx.constant(answers, [sentences.length]),
  };
}

/** Cross-entropy of the answer token (the token after WATER) over a batch of sentences. */
export function recipeLoss(model: Transformer, ctx: Context, sentences: readonly RecipeSentence[]): Variable {
  const { ids, answers } = recipeInputs(ctx, sentences);
  return op.crossEntropy(model.lastLogits(ids), answers);
}

export interface RecipeEval {
  /** Fraction of sentences whose most likely next token is the answer. */
  accuracy: number;
  /** Predicted answer token per sentence. */
  predicted: number[];
  /**
   * For each block and head, the mean attention weight that the WATER position (the query predicting the answer)
   * puts on the grain word: [layer][head].
   */
  grainWeight: number[][];
}

/** Accuracy and where the last query looks, without a graph. Ends the context's step: call it between steps. */
export async function evaluateRecipes(
  model: Transformer,
  ctx: Context,
  sentences: readonly RecipeSentence[],
): Promise<RecipeEval> {
  try {
    const { ids } = recipeInputs(ctx, sentences);
    const B = sentences.length;
    const logits = await ctx.noGrad(() => model.lastLogits(ids)).read(); // (B, V)
    const V = logits.length / B;
    const predicted = sentences.map((_, b) => {
      let best = 0;
      for (let v = 1; v < V; v++) if (logits[b * V + v]! > logits[b * V + best]!) best = v;
      return best;
    });
    const correct = predicted.filter((p, b) => p === sentences[b]!.answer).length;
    const grainWeight: number[][] = [];
    for (const map of model.attentionMaps(ids)) {
      const [, H, T] = map.shape as [number, number, number, number];
      const w = await map.read(); // (B, nh, T, T)
      const perHead = Array.from({ length: H }, (_, h) => {
        let s = 0;
        sentences.forEach((sent, b) => {
          s += w[((b * H + h) * T + (T - 1)) * T + sent.grainPos]!;
        });
        return s / B;
      });
      grainWeight.push(perHead);
    }
    return { accuracy: correct / B, predicted, grainWeight };
  } finally {
    ctx.endStep();
  }
}

/** Next-token cross-entropy at every position: ids, targets [B, T] (the previous-token task). */
export function sequenceLoss(
  model: Transformer,
  ctx: Context,
  ids: Float32Array,
  targets: Float32Array,
  B: number,
): Variable {
  const T = ids.length / B;
  const logits = model.forward(ctx.constant(ids, [B, T])); // (B, T, V)
  const V = logits.shape[2]!;
  return op.crossEntropy(op.reshape(logits, [B * T, V]), ctx.constant(targets, [B * T]));
}
