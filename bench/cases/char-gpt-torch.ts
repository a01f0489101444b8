// The PyTorch runners of the language model's step (one thread, every core): the page hands our seed-1 model's initial weights (safetensors,
// PyTorch's layouts: src/io/torch-layout.ts) to bench/char_gpt_torch.py through the CLI (window.__torch, exposed by
// bench/run.ts), then each step's batch and learning rate. The process times its own step (forward, backward,
// clipping, AdamW; time.perf_counter around them), so the message passing is not in its figure.

import { Context } from "../../src/autograd/variable";
import { CpuBackend } from "../../src/backend/cpu";
import { writeSafetensors } from "../../src/io/safetensors";
import { toTorch } from "../../src/io/torch-layout";
import { CharGPT } from "../../src/models/char-gpt";
import type { Runner, RunnerSpec } from "../lib/harness";
import type { TorchReply, TorchRequest, TorchThreads } from "../lib/types";
import { type CharGptBench, charGptBench } from "./char-gpt";

/** Our initial weights under the twin's state_dict keys, with the model and optimizer settings as metadata. */
export async function torchWeightsFile(b: CharGptBench): Promise<Uint8Array> {
  const model = new CharGPT(new Context(new CpuBackend()), b.config);
  const tensors: [string, { shape: number[]; data: Float32Array }][] = [];
  for (const [name, p] of model.namedParameters()) {
    tensors.push(toTorch(name, { shape: [...p.shape], data: await p.read() }));
    p.free();
  }
  return writeSafetensors(tensors, {
    "char-gpt.config": JSON.stringify(b.config),
    "char-gpt.optimizer": JSON.stringify(b.optimizer),
    "char-gpt.batch": String(b.training.batch),
  });
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function call<K extends string>(
  request: TorchRequest,
  want: K,
): Promise<TorchReply & Record<K, unknown>> {
  const reply = await window.__torch!(request);
  if ("error" in reply) throw new Error(`PyTorch: ${reply.error}`);
  if (!(want in reply))
    throw new Error(`PyTorch: unexpected reply to ${request.kind}: ${JSON.stringify(reply)}`);
  return reply as TorchReply & Record<K, unknown>;
}

/** PyTorch on one thread (torch-cpu-1) or on every core (torch-cpu), in its own process. */
export function torchRunner(caseName: string, threads: TorchThreads, checkSteps: number): RunnerSpec {
  return {
    impl: threads === "one" ? "torch-cpu-1" : "torch-cpu",
    case: caseName,
    make: async () => {
      if (!window.__torch) throw new Error("PyTorch runs only under `npm run bench`, which starts it");
      const b = await charGptBench();
      const safetensors = base64(await torchWeightsFile(b));
      await call({ threads, kind: "load", safetensors }, "version");
      let step = 0;
      const one = async (read: boolean) => {
        const { ids, targets } = b.batchAt(step);
        const lr = b.lrAt(step++);
        const r = await call({ threads, kind: "step", ids: [...ids], targets: [...targets], lr, read }, "ms");
        return r as { ms: number; loss: number | null };
      };
      return {
        gpu: false,
        check: async () => {
          await call({ threads, kind: "reset" }, "version");
          step = 0;
          const out = new Float32Array(checkSteps);
          for (let i = 0; i < checkSteps; i++) out[i] = (await one(true)).loss ?? Number.NaN;
          return [out];
        },
        selfTimed: async () => (await one(false)).ms,
        start: () => null,
        wait: async () => {},
        read: async () => [],
        free: () => {},
        dispose: () => {},
      } satisfies Runner;
    },
  };
}
