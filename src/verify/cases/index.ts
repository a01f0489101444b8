// Every verification case, in a stable order: the list `npm test`, `npm run verify` and the verify page share.

import type { VerifyCase } from "../case";
import { attentionCases } from "./attention";
import { attentionBackwardCases } from "./attention-backward";
import { edgesAttentionCases } from "./edges-attention";
import { edgesLayerCases } from "./edges-layers";
import { edgesMatmulCases } from "./edges-matmul";
import { edgesSoftmaxCases } from "./edges-softmax";
import { elementwiseCases } from "./elementwise";
import { layerCases } from "./layers";
import { matmulCases } from "./matmul";
import { optimCases } from "./optim";
import { softmaxCases } from "./softmax";

export function allCases(): VerifyCase[] {
  return [
    ...matmulCases(),
    ...softmaxCases(),
    ...attentionCases(),
    ...attentionBackwardCases(),
    ...elementwiseCases(),
    ...layerCases(),
    ...optimCases(),
    ...edgesMatmulCases(),
    ...edgesAttentionCases(),
    ...edgesSoftmaxCases(),
    ...edgesLayerCases(),
  ];
}
