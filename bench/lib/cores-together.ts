// What the machine's cores give together, as a reference for "every core against one thread": one worker per
// core, each with its own one-thread wasm engine and its own matmul (no shared memory, no pool, nothing to wait
// for), run for a while alone and then all at once. The ratio of the products per second all at once to one
// worker's alone is the most any split of one op over those cores could gain here; a core that the VM shares
// with another (a hyperthread sibling, or a host that is busy) shows as a ratio well under the core count.
// Rounds alternate which comes first, alone or together; the report gives the median ratio.

import { stats } from "./harness";
import { ProbeWorker } from "./probe-worker";
import type { CoresTogether } from "./types";

export interface ProbeOptions {
  /** The matmul's size: n×n×n. */
  n: number;
  /** Milliseconds of products per worker per run. */
  ms: number;
  rounds: number;
}

const median = (xs: number[]): number => stats(xs).medianMs;

export async function coresTogether(cores: number, opts: ProbeOptions): Promise<CoresTogether> {
  const workers = Array.from({ length: cores }, () => new ProbeWorker());
  try {
    for (const w of workers) w.send({ type: "init", M: opts.n, K: opts.n, N: opts.n });
    await Promise.all(workers.map((w) => w.next("ready")));
    const ratios: number[] = [];
    const alone: number[] = [];
    const together: number[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      let one = 0;
      let all = 0;
      const runAlone = async () => {
        one = await workers[0]!.rate(opts.ms);
      };
      const runTogether = async () => {
        all = (await Promise.all(workers.map((w) => w.rate(opts.ms)))).reduce((a, b) => a + b, 0);
      };
      if (round % 2 === 0) {
        await runAlone();
        await runTogether();
      } else {
        await runTogether();
        await runAlone();
      }
      alone.push(one);
      together.push(all);
      ratios.push(all / one);
    }
    const gflop = (2 * opts.n ** 3) / 1e9;
    return {
      shape: `${opts.n}x${opts.n}x${opts.n}`,
      workers: cores,
      rounds: opts.rounds,
      msPerRun: opts.ms,
      aloneGflops: median(alone) * gflop,
      togetherGflops: median(together) * gflop,
      ratio: median(ratios),
      ratios,
    };
  } finally {
    for (const w of workers) w.terminate();
  }
}
