import { CpuBackend } from "../../src/backend/cpu";
import { GpuRuntime } from "../../src/gpu/runtime";
import { randomInput, tfjsRunner } from "../cases/common";
import { setupTfjs, tf } from "../lib/tfjs";

const out: string[] = [];
(window as any).__dbg = out;
async function main() {
  const rt = await GpuRuntime.create();
  const tfjs = await setupTfjs(rt.device, rt.ctx.adapter.info);
  const ctx: any = { rt, cpu: new CpuBackend(), tfjs, quick: true, gpu: () => null };
  const a = randomInput([64, 64], 1);
  const b = randomInput([64, 64], 2);
  const spec = tfjsRunner(ctx, "webgpu", "mm", [a, b], ([x, y]) => [tf.matMul(x!, y!)]);
  const r = await spec.make();
  await r.prepare?.();
  const h = r.start();
  await r.wait();
  const [c] = await r.read(h);
  let want = 0;
  for (let k = 0; k < 64; k++) want += a.data[k]! * b.data[k * 64]!;
  out.push(`runner c0=${c![0]} c1=${c![1]} want=${want} nonzero=${c!.filter((v) => v !== 0).length}`);
  // direct
  const ta = tf.tensor(a.data, [64, 64]);
  const tb = tf.tensor(b.data, [64, 64]);
  const d = await tf.matMul(ta, tb).data();
  out.push(`direct c0=${d[0]} backend=${tf.getBackend()}`);
  out.push("done");
}
main().catch((e) => out.push(`error ${e}`));
