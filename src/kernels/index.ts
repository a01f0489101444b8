// Every op of the contract, one folder each (shape.ts, reference.ts, gpu.ts, cases.ts, fast.ts where a fast CPU
// variant exists, edge-cases.ts where the op has non-finite or range rules to check), listed here once with its
// verification cases, in a stable order: the list `npm test`, `npm run verify` and the verify page share.

import type { BackendName } from "../backend/contract";
import { attentionCases } from "./attention/cases";
import { attentionEdgeCases } from "./attention/edge-cases";
import { attentionBackwardCases } from "./attention-backward/cases";
import { attentionBackwardEdgeCases } from "./attention-backward/edge-cases";
import type { VerifyCase } from "./case";
import { crossEntropyCases } from "./cross-entropy/cases";
import { crossEntropyEdgeCases } from "./cross-entropy/edge-cases";
import { elementwiseCases } from "./elementwise/cases";
import { embeddingCases } from "./embedding/cases";
import { layerNormCases } from "./layernorm/cases";
import { layerNormEdgeCases } from "./layernorm/edge-cases";
import { matmulCases } from "./matmul/cases";
import { matmulEdgeCases } from "./matmul/edge-cases";
import { mixtureCases } from "./mixture/cases";
import { mixtureEdgeCases } from "./mixture/edge-cases";
import { mseCases } from "./mse/cases";
import { optimCases } from "./optim/cases";
import { softmaxCases } from "./softmax/cases";
import { softmaxEdgeCases } from "./softmax/edge-cases";

/** The cases of an op with one variant per backend: none on the CPU (its only variant is the reference), all elsewhere. */
function single(make: () => VerifyCase[]): (backend: BackendName) => VerifyCase[] {
  return (b) => (b === "cpu" ? [] : make().map((c) => ({ ...c, backend: b })));
}

/** Per op folder, its cases for one backend (an op with one variant on a backend has none there but the reference's). */
export const OPS: readonly { folder: string; cases: (backend: BackendName) => VerifyCase[] }[] = [
  { folder: "matmul", cases: (b) => [...matmulCases(b), ...matmulEdgeCases(b)] },
  { folder: "softmax", cases: (b) => [...softmaxCases(b), ...softmaxEdgeCases(b)] },
  { folder: "attention", cases: (b) => [...attentionCases(b), ...attentionEdgeCases(b)] },
  {
    folder: "attention-backward",
    cases: (b) => [...attentionBackwardCases(b), ...attentionBackwardEdgeCases(b)],
  },
  { folder: "elementwise", cases: single(elementwiseCases) },
  { folder: "layernorm", cases: single(() => [...layerNormCases(), ...layerNormEdgeCases()]) },
  { folder: "embedding", cases: single(embeddingCases) },
  { folder: "cross-entropy", cases: single(() => [...crossEntropyCases(), ...crossEntropyEdgeCases()]) },
  { folder: "mse", cases: single(mseCases) },
  { folder: "mixture", cases: single(() => [...mixtureCases(), ...mixtureEdgeCases()]) },
  { folder: "optim", cases: single(optimCases) },
];

/** Every case of every op for `backend`: each variant it has beside the CPU reference. */
export function allCases(backend: BackendName = "webgpu"): VerifyCase[] {
  return OPS.flatMap((op) => op.cases(backend));
}
