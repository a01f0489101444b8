// Training runs kept in IndexedDB so a trained model survives a reload. One record per run, under the key
// "run:<page>:<model>:<id>" (the id is made when the run starts), so two tabs training the same model each keep
// their own run. Written by the worker while it trains and read by the page on load; every record read is checked
// (src/io/stored-run.ts) and an unreadable one is reported by key, never resumed. Float32Arrays are stored as they
// are (structured clone), so a record costs its parameters' and optimizer state's bytes and no JSON.

import { storedRunProblem } from "../io/stored-run";
import type { JobKind, SavedJob } from "../io/types";
import type { AutoCache, AutoRecord } from "../run/auto";

const DB = "webgpu-workbench";
const STORE = "runs";

export const runPrefix = (kind: JobKind, model: string) => `run:${kind}:${model}:`;
export const runKey = (kind: JobKind, model: string, id: string) => runPrefix(kind, model) + id;
/** Where earlier versions kept the one run of a page and model: read once and moved under a run id. */
const legacyKey = (kind: JobKind, model: string) => `${kind}:${model}`;

export const newRunId = (): string => crypto.randomUUID();

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

/** Every record whose key starts with `prefix`, with its key, read in one transaction. */
async function readPrefix(prefix: string): Promise<{ key: string; value: unknown }[]> {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const out: { key: string; value: unknown }[] = [];
      const tx = db.transaction(STORE, "readonly");
      const req = tx.objectStore(STORE).openCursor(IDBKeyRange.bound(prefix, `${prefix}\uffff`));
      req.onsuccess = () => {
        const c = req.result;
        if (!c) return;
        out.push({ key: String(c.key), value: c.value });
        c.continue();
      };
      tx.oncomplete = () => resolve(out);
      tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    });
  } finally {
    db.close();
  }
}

/** Keep `job` under its run id (a run without one is refused: it would land on another run's record). */
export async function saveRun(job: SavedJob): Promise<void> {
  if (!job.id) throw new Error("a stored run needs an id");
  await withStore("readwrite", (s) => s.put(job, runKey(job.spec.kind, job.spec.model, job.id!)));
}

export interface UnreadableRun {
  /** The record's IndexedDB key, e.g. "run:experts:experts:3f2a…". */
  key: string;
  reason: string;
}

export interface StoredRuns {
  /** Readable runs of the page and model, newest first. */
  runs: (SavedJob & { id: string })[];
  unreadable: UnreadableRun[];
}

/** The runs kept for a page and model, checked; none when this browser has no IndexedDB (or refuses it). */
export async function loadRuns(kind: JobKind, model: string): Promise<StoredRuns> {
  const out: StoredRuns = { runs: [], unreadable: [] };
  if (typeof indexedDB === "undefined") return out;
  let records: { key: string; value: unknown }[];
  try {
    await moveLegacy(kind, model);
    records = await readPrefix(runPrefix(kind, model));
  } catch {
    // A private window may refuse IndexedDB: the page then simply starts fresh.
    return out;
  }
  for (const { key, value } of records) {
    const reason = storedRunProblem(value, kind, model);
    if (reason) out.unreadable.push({ key, reason });
    else out.runs.push({ ...(value as SavedJob), id: key.slice(runPrefix(kind, model).length) });
  }
  out.runs.sort((a, b) => b.savedAt - a.savedAt);
  return out;
}

/** A run kept under the old one-per-model key moves under a run id of its own (checked like any other). */
async function moveLegacy(kind: JobKind, model: string): Promise<void> {
  const old = legacyKey(kind, model);
  const value = await withStore("readonly", (s) => s.get(old));
  if (value === undefined) return;
  const db = await open();
  try {
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction(STORE, "readwrite");
      const s = tx.objectStore(STORE);
      const id = newRunId();
      s.put(typeof value === "object" && value !== null ? { ...value, id } : value, runKey(kind, model, id));
      s.delete(old);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    });
  } finally {
    db.close();
  }
}

/** Forget one stored run by its key (a run's own, or an unreadable record's). */
export async function deleteStored(key: string): Promise<void> {
  if (typeof indexedDB === "undefined") return;
  await withStore("readwrite", (s) => s.delete(key));
}

export async function deleteRun(kind: JobKind, model: string, id: string): Promise<void> {
  await deleteStored(runKey(kind, model, id));
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
