// The CLI's end of the PyTorch runners: starts bench/char_gpt_torch.py under Debian's Python (BENCH_PYTHON overrides
// /usr/bin/python3) when the page first asks, one process on one thread and one on every core, and passes the
// page's requests to them one line of JSON at a time, in order. Where PyTorch cannot start, every request is
// answered with why (the runner is then listed as not run).

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { TorchInfo, TorchReply, TorchRequest, TorchThreads } from "./types";

export const PYTHON = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
const SCRIPT = resolve(import.meta.dirname, "../char_gpt_torch.py");
const INSTALL = "apt-get install -y --no-install-recommends python3-torch python3-numpy";

/** One PyTorch process: a request line out, a reply line back. */
class TorchProcess {
  private readonly proc: ChildProcess;
  private readonly waiting: ((line: string) => void)[] = [];
  private dead: string | null = null;
  private stderr = "";

  constructor(threads: TorchThreads) {
    const proc = spawn(PYTHON, [SCRIPT, "--threads", threads === "one" ? "1" : "0"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    // A write after the process died fails here; the exit handler has answered for it.
    proc.stdin!.on("error", () => {});
    proc.stderr!.on("data", (d) => {
      this.stderr = (this.stderr + String(d)).slice(-4000);
    });
    const fail = (why: string) => {
      this.dead ??= why;
      for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: this.dead }));
    };
    proc.on("error", (e) => fail(`${PYTHON} could not start (${e.message}); install PyTorch: ${INSTALL}`));
    proc.on("exit", (code) => {
      const last = this.stderr.trim().split("\n").at(-1) ?? "";
      fail(
        `${PYTHON} ${SCRIPT} exited (${code}): ${last || "no message"}; PyTorch is installed by ${INSTALL}`,
      );
    });
    createInterface({ input: proc.stdout! }).on("line", (line) => this.waiting.shift()?.(line));
    this.proc = proc;
  }

  async send(message: Record<string, unknown>): Promise<TorchReply> {
    if (this.dead) return { error: this.dead };
    const line = await new Promise<string>((res) => {
      this.waiting.push(res);
      this.proc.stdin!.write(`${JSON.stringify(message)}\n`);
    });
    return JSON.parse(line) as TorchReply;
  }

  close(): void {
    this.proc.stdin?.end();
    this.proc.kill();
  }
}

export class TorchBridge {
  /** What the process on every core found when loading: PyTorch's version and threads, or why it could not run. */
  info: TorchInfo | null = null;
  private readonly procs = new Map<TorchThreads, TorchProcess>();
  private dir: string | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  /** One request, after every earlier one has been answered. */
  call(request: TorchRequest): Promise<TorchReply> {
    const next = this.chain.then(() => this.send(request));
    this.chain = next.catch(() => {});
    return next;
  }

  private async send(request: TorchRequest): Promise<TorchReply> {
    let message: Record<string, unknown>;
    if (request.kind === "load") {
      this.dir ??= mkdtempSync(join(tmpdir(), "bench-torch-"));
      const path = join(this.dir, `char-gpt-${request.threads}.safetensors`);
      writeFileSync(path, Buffer.from(request.safetensors, "base64"));
      message = { cmd: "load", path };
    } else {
      const { kind, threads: _, ...rest } = request;
      message = { cmd: kind, ...rest };
    }
    let proc = this.procs.get(request.threads);
    if (!proc) {
      proc = new TorchProcess(request.threads);
      this.procs.set(request.threads, proc);
    }
    const reply = await proc.send(message);
    if (request.kind === "load" && (request.threads === "all" || !this.info)) {
      this.info =
        "error" in reply
          ? { python: PYTHON, error: reply.error }
          : "version" in reply
            ? { python: PYTHON, version: reply.version, threads: reply.threads, blas: reply.blas }
            : this.info;
    }
    return reply;
  }

  close(): void {
    for (const p of this.procs.values()) p.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
