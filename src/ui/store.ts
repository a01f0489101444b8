// Training runs kept in IndexedDB so a trained model survives a reload. One record per page and model
// (key "grain:relu10", "experts:experts", ...), written by the worker while it trains and read by the page on load.
// Float32Arrays are stored as they are (structured clone), so a record costs its parameters' and optimizer state's
// bytes and no JSON.

import { type JobKind, SAVED_JOB_VERSION, type SavedJob } from "../io/types";
import type { AutoCache, AutoRecord } from "../run/auto";

const DB = "webgpu-workbench";
const STORE = "runs";

export const runKey = (kind: JobKind, model: string) => `${kind}:${model}`;

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("indexedDB.open failed"));
  });
}

async function withStore<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
      tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
    });
  } finally {
    db.close();
  }
}

export async function saveRun(job: SavedJob): Promise<void> {
  await withStore("readwrite", (s) => s.put(job, runKey(job.spec.kind, job.spec.model)));
}

/** The saved run of a page and model, or null (none, another version, or no IndexedDB in this browser). */
export async function loadRun(kind: JobKind, model: string): Promise<SavedJob | null> {
  if (typeof indexedDB === "undefined") return null;
  try {
    const r = (await withStore("readonly", (s) => s.get(runKey(kind, model)))) as SavedJob | undefined;
    return r && r.version === SAVED_JOB_VERSION ? r : null;
  } catch {
    // A private window may refuse IndexedDB: the page then simply starts fresh.
    return null;
  }
}

export async function deleteRun(kind: JobKind, model: string): Promise<void> {
  if (typeof indexedDB === "undefined") return;
  await withStore("readwrite", (s) => s.delete(runKey(kind, model)));
}

/** The `auto` choices (src/run/auto.ts) in the same database, under keys "auto:<model>:<seeds>:<adapter>". */
export function autoChoiceStore(): AutoCache {
  return {
    where: "this browser's IndexedDB",
    get: async (key) => {
      if (typeof indexedDB === "undefined") return null;
      return ((await withStore("readonly", (s) => s.get(key))) as AutoRecord | undefined) ?? null;
    },
    set: async (key, record) => {
      if (typeof indexedDB === "undefined") throw new Error("no IndexedDB here");
      await withStore("readwrite", (s) => s.put(record, key));
    },
  };
}
