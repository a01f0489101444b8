// Every verification case, in a stable order: the list `npm test`, `npm run verify` and the verify page share.

import type { VerifyCase } from "../case";
import { matmulCases } from "./matmul";

export function allCases(): VerifyCase[] {
  return [...matmulCases()];
}
