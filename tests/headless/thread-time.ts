// The CPU time of one thread of a headless Chromium, read from Linux's /proc: e.g. a page's worker, whose own time
// other processes on the cores cannot stretch (wall-clock time they can, by far, on a shared machine).

import { existsSync, readdirSync, readFileSync } from "node:fs";

function parentOf(pid: string): string | null {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] ?? null;
  } catch {
    return null;
  }
}

/** The processes under `root` (the browser's pid), root included. */
function descendants(root: number): string[] {
  const parent = new Map<string, string>();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    const p = parentOf(pid);
    if (p) parent.set(pid, p);
  }
  const out = [String(root)];
  for (let i = 0; i < out.length; i++)
    for (const [pid, p] of parent) if (p === out[i] && !out.includes(pid)) out.push(pid);
  return out;
}

/** The schedstat files of the threads named `comm` in the processes under `root`. */
export function findThreads(root: number, comm: string): string[] {
  if (!existsSync("/proc/self/task"))
    throw new Error(
      "thread CPU times are read from Linux's /proc/<pid>/task, which this system does not have",
    );
  const found: string[] = [];
  for (const pid of descendants(root)) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        if (readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim() === comm)
          found.push(`/proc/${pid}/task/${tid}/schedstat`);
      } catch {
        // The thread ended meanwhile.
      }
    }
  }
  return found;
}

/** Milliseconds the thread has run on a CPU (schedstat's first field, in ns); null once it has ended. */
export function cpuMs(schedstat: string): number | null {
  try {
    return Number(readFileSync(schedstat, "utf8").split(" ")[0]) / 1e6;
  } catch {
    return null;
  }
}
