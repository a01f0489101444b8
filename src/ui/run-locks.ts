// Which tab has which stored run, through the Web Locks API (shared by every tab of the origin): a tab holds
// "wb-run:<key>" while it has the run open (so no other tab resumes it and writes to its record) and
// "wb-training:<key>" while it trains it (so other tabs can say so). Without navigator.locks a lock always succeeds.

export const openLockName = (key: string) => `wb-run:${key}`;
export const trainingLockName = (key: string) => `wb-training:${key}`;

export class RunLock {
  private constructor(
    readonly name: string,
    private readonly free: () => void,
  ) {}

  /** The lock `name` if no tab holds it, else null. */
  static take(name: string): Promise<RunLock | null> {
    if (typeof navigator === "undefined" || !navigator.locks)
      return Promise.resolve(new RunLock(name, () => {}));
    return new Promise((resolve, reject) => {
      navigator.locks
        .request(name, { ifAvailable: true }, (lock) => {
          if (!lock) {
            resolve(null);
            return;
          }
          // Held until release() resolves the callback's promise (or the tab closes).
          return new Promise<void>((free) => resolve(new RunLock(name, free)));
        })
        .catch(reject);
    });
  }

  release(): void {
    this.free();
  }
}

/** Names of the held locks that start with `prefix`, other than `own`. */
export async function heldByOthers(prefix: string, own: string | null): Promise<string[]> {
  if (typeof navigator === "undefined" || !navigator.locks) return [];
  const { held = [] } = await navigator.locks.query();
  return held.map((l) => l.name ?? "").filter((n) => n.startsWith(prefix) && n !== own);
}
