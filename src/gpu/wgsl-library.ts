// The WGSL library (shaders/lib/): every file a kernel's `//! use:` line may name, by name. One explicit import
// per file; tests/unit/wgsl-library.test.ts checks that this list and the folder agree.

import attentionBackwardBindings from "../../shaders/lib/attention-backward-bindings.wgsl?raw";
import attentionTile from "../../shaders/lib/attention-tile.wgsl?raw";
import floatBits from "../../shaders/lib/float-bits.wgsl?raw";
import grid from "../../shaders/lib/grid.wgsl?raw";
import matmulParams from "../../shaders/lib/matmul-params.wgsl?raw";
import mixture from "../../shaders/lib/mixture.wgsl?raw";
import optimizerStep from "../../shaders/lib/optimizer-step.wgsl?raw";
import softmaxRows from "../../shaders/lib/softmax-rows.wgsl?raw";

export const WGSL_LIBRARY: Readonly<Record<string, string>> = {
  "attention-backward-bindings": attentionBackwardBindings,
  "attention-tile": attentionTile,
  "float-bits": floatBits,
  grid,
  "matmul-params": matmulParams,
  mixture,
  "optimizer-step": optimizerStep,
  "softmax-rows": softmaxRows,
};
