// The WGSL library (shaders/lib/): every file a kernel's `//! use:` line may name, by name. One explicit import
// per file; tests/unit/wgsl-library.test.ts checks that this list and the folder agree.

import attentionTile from "../../shaders/lib/attention-tile.wgsl?raw";

export const WGSL_LIBRARY: Readonly<Record<string, string>> = {
  "attention-tile": attentionTile,
};
