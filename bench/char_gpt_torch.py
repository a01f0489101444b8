"""char-gpt's PyTorch twin (CharGPT of src/torch/workbench_torch.py), stepped by `npm run bench` one training step at a time.

    /usr/bin/python3 bench/char_gpt_torch.py [--threads N]     N intra-op threads; 0 (the default): every core

A JSON request per line on stdin, a JSON reply per line on stdout (bench/lib/torch-bridge.ts speaks it):

    {"cmd": "load", "path": "weights.safetensors"}   the workbench's initial weights, our state_dict keys
    {"cmd": "reset"}                                   back to those weights, with a fresh optimizer
    {"cmd": "step", "ids": [...], "targets": [...], "lr": 1e-5, "read": true}
        one step on that batch ([batch, context] ids, [batch*context] targets) at that learning rate; the reply is
        {"ms": the step's time by time.perf_counter, "loss": the loss before the update (or null)}

The step is what the workbench's Trainer does: forward, mean cross-entropy, backward, the global gradient norm
clipped (torch.nn.utils.clip_grad_norm_: scale min(1, clip / (norm + 1e-6)), as ours), AdamW with the decay on
matrices only. Built from the file's metadata, loaded with strict=True. Only torch and the standard library.
"""

import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "torch"))
from workbench_torch import CharGPT, read_safetensors  # noqa: E402


class Session:
    def __init__(self, path):
        self.tensors, meta = read_safetensors(path)
        self.config = json.loads(meta["char-gpt.config"])
        self.opt_config = json.loads(meta["char-gpt.optimizer"])
        self.batch = int(meta["char-gpt.batch"])

    def reset(self):
        c = self.config
        self.model = CharGPT(c["vocab"], c["context"], c["width"], c["heads"], c["layers"], c.get("tieWeights", True))
        self.model.load_state_dict(self.tensors, strict=True)
        o = self.opt_config
        params = list(self.model.parameters())
        self.opt = torch.optim.AdamW(
            [
                {"params": [p for p in params if p.dim() >= 2], "weight_decay": o.get("weightDecay", 0.0)},
                {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
            ],
            lr=o["lr"],
            betas=(o.get("beta1", 0.9), o.get("beta2", 0.999)),
            eps=o.get("eps", 1e-8),
        )
        self.clip = o.get("clipNorm")
        return {
            "version": torch.__version__,
            "threads": torch.get_num_threads(),
            "blas": blas_library(),
            "params": sum(p.numel() for p in params),
        }

    def step(self, ids, targets, lr, read):
        ids = torch.tensor(ids, dtype=torch.long).view(self.batch, -1)
        targets = torch.tensor(targets, dtype=torch.long)
        t0 = time.perf_counter()
        for group in self.opt.param_groups:
            group["lr"] = lr
        loss = self.model.loss(ids, targets)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        if self.clip is not None:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.opt.step()
        ms = (time.perf_counter() - t0) * 1000
        return {"ms": ms, "loss": loss.item() if read else None}


def blas_library():
    """The BLAS shared library this process loaded (Debian's torch uses the system's libblas.so.3), or None."""
    torch.ones(2, 2) @ torch.ones(2, 2)
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.split()[-1].lower()}
        return ", ".join(sorted(paths)) or None
    except OSError:
        return None


def main():
    # --threads N (0: every core, like our wasm backend's pool; Debian's build starts with one OpenMP thread).
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 0
    torch.set_num_threads(threads or os.cpu_count() or 1)
    session = None
    for line in sys.stdin:
        try:
            req = json.loads(line)
            cmd = req.get("cmd")
            if cmd == "load":
                session = Session(req["path"])
                reply = session.reset()
            elif session is None:
                reply = {"error": f"'{cmd}' before 'load'"}
            elif cmd == "reset":
                reply = session.reset()
            elif cmd == "step":
                reply = session.step(req["ids"], req["targets"], float(req["lr"]), bool(req["read"]))
            else:
                reply = {"error": f"unknown command '{cmd}'"}
        except Exception as e:  # the reply names the failure; the page lists it
            reply = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
