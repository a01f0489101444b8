// The CLI's cache of `auto` choices (src/run/auto.ts): one JSON file, by default
// node_modules/.cache/webgpu-workbench/auto-backend.json under the repository (the usual place for a tool's
// cache, removed with node_modules), or the file named by $WORKBENCH_AUTO_CACHE. Keyed by model, seed count
// and machine: the CPU model and core count, and the Chromium whose WebGPU adapter was measured.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AutoCache, AutoRecord } from "../run/auto";

export function autoCachePath(): string {
  const env = process.env.WORKBENCH_AUTO_CACHE;
  if (env) return resolve(env);
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  return resolve(root, "node_modules/.cache/webgpu-workbench/auto-backend.json");
}

/** What the measured times depend on here besides the model: the CPU, its cores, the browser. */
export function machineKey(chromium: string | null): string {
  return `${cpus()[0]?.model ?? "cpu"} x${availableParallelism()}, chromium ${chromium ?? "none"}`;
}

function readAll(path: string): Record<string, AutoRecord> {
  try {
    const data = JSON.parse(readFileSync(path, "utf8")) as unknown;
    return data && typeof data === "object" && !Array.isArray(data)
      ? (data as Record<string, AutoRecord>)
      : {};
  } catch {
    return {};
  }
}

export function fileCache(path: string): AutoCache {
  return {
    where: path,
    get: async (key) => {
      const r = readAll(path)[key];
      return r && typeof r.backend === "string" && typeof r.figures === "string" ? r : null;
    },
    set: async (key, record) => {
      const all = { ...readAll(path), [key]: record };
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`);
      renameSync(tmp, path);
    },
  };
}
