// Compiles the AssemblyScript kernels (src/wasm/assembly) into four WebAssembly modules in src/wasm/build/:
//   kernels-threads.wasm  imported shared memory (threads + SIMD), for a pool of workers over one memory;
//   kernels-single.wasm   imported ordinary memory (SIMD only), for pages that are not cross-origin isolated;
//   kernels-threads-relaxed.wasm, kernels-single-relaxed.wasm  the same with relaxed SIMD, whose multiply-add
//                         the matmul and the exp of the softmax weights use (fused on CPUs that have it, see
//                         madd in assembly/simd.ts), for engines that have relaxed SIMD.
// Skips the compile when every output is newer than every source. Usage: node src/wasm/build.mjs [--force]

import { mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const here = dirname(fileURLToPath(import.meta.url));
const srcDir = join(here, "assembly");
const outDir = join(here, "build");
/** Pages of 64 KiB: the memory may grow to 2 GiB. Keep in step with MAX_PAGES in src/wasm/module.ts. */
const MAX_PAGES = 32768;

const common = [
  join(srcDir, "index.ts"),
  "--runtime",
  "stub",
  "-O3",
  "--noAssert",
  "--importMemory",
  "--maximumMemory",
  String(MAX_PAGES),
  "--use",
  "abort=",
];

const variants = [
  { file: "kernels-threads.wasm", flags: ["--enable", "simd,threads", "--sharedMemory"] },
  { file: "kernels-single.wasm", flags: ["--enable", "simd"] },
  {
    file: "kernels-threads-relaxed.wasm",
    flags: ["--enable", "simd,threads,relaxed-simd", "--sharedMemory"],
  },
  { file: "kernels-single-relaxed.wasm", flags: ["--enable", "simd,relaxed-simd"] },
];

function newestSource() {
  let t = statSync(new URL(import.meta.url)).mtimeMs;
  for (const f of readdirSync(srcDir)) t = Math.max(t, statSync(join(srcDir, f)).mtimeMs);
  return t;
}

function upToDate(file, since) {
  try {
    return statSync(file).mtimeMs > since;
  } catch {
    return false;
  }
}

const force = process.argv.includes("--force");
const since = newestSource();
mkdirSync(outDir, { recursive: true });
for (const v of variants) {
  const out = join(outDir, v.file);
  if (!force && upToDate(out, since)) continue;
  const t0 = performance.now();
  const { error, stderr } = await asc.main([...common, ...v.flags, "--outFile", out]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build:wasm: ${v.file} failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`build:wasm: ${v.file} (${(performance.now() - t0).toFixed(0)} ms)`);
}
