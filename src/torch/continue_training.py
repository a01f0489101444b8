"""Continue training a workbench model in PyTorch, on one process or many.

    python3 src/torch/continue_training.py relu10.safetensors --steps 200 --out relu10-more.safetensors
    torchrun --nproc_per_node=2 src/torch/continue_training.py relu10.safetensors --steps 200 --out ...

(With Debian 12's PyTorch 1.13 on Python 3.11, torchrun's default output settings fail while it parses them,
"AttributeError: 'NoneType' object has no attribute 'get'"; add `--redirects 1 --tee 1` before the script.)

Loads an exported file into its twin (workbench_torch.py), prints its outputs on a few inputs (--inputs, or the
first rows of the training data), trains it further on the data the workbench trained it on (carried in the file's
workbench.data), printing the loss, and writes the result back as safetensors for the workbench.

It continues the workbench's training: the file's workbench.optimizer holds the run's recipe, and by default the
same optimizer trains with the same hyperparameters (Adam with decoupled weight decay as torch.optim.AdamW, on
matrices only where the run decayed only those; SGD with momentum as torch.optim.SGD), the same gradient-norm clip
(torch.nn.utils.clip_grad_norm_), and the run's learning-rate schedule (warmup then cosine, src/nn/schedule.ts)
evaluated at the steps after the file's: a file at step N trains its next step at the schedule's step N (0-based),
past the schedule's end at its final rate. --lr, --weight-decay, --clip and --constant-lr override it; a file
without workbench.optimizer trains with AdamW at its workbench.lr, no decay, no clip, at a constant rate.
char-gpt's file carries its vocabulary and the first characters of its training text (a sample, to keep the file
small); it trains on that sample's context-long windows, or on a text file of your own with --text FILE.

Under torchrun the model is wrapped in DistributedDataParallel (NCCL when CUDA is available, else gloo on the
CPU); the training rows are split across the processes (row r, r + N, r + 2N, ... to process r), each of which
takes its full share per step (regressions) or a random batch of it (the transformer's sentences, char-gpt's
windows). Gradients are averaged
over processes, so every process holds the same weights; process 0 writes the file. The loss printed each step is
the mean over processes.
The optimizer's moments start at zero (the step count of Adam's bias correction at 1): the workbench's Adam
state does not travel with the weights, and the workbench's own --load starts its optimizer the same way.
"""

import argparse
import json
import math
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workbench_torch as wt  # noqa: E402


class Objective(nn.Module):
    """The model's training loss as a module, so DistributedDataParallel sees the whole computation."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, **batch):
        return self.model.loss(**batch)


def file_recipe(meta):
    """The run's training recipe (workbench.optimizer), or the old default for a file without one."""
    raw = meta.get("workbench.optimizer")
    if raw is not None:
        return dict(json.loads(raw), source="the file's workbench.optimizer")
    return {
        "kind": "adam", "lr": float(meta.get("workbench.lr", "0.01")), "betas": [0.9, 0.999], "eps": 1e-8,
        "momentum": 0.0, "weight_decay": 0.0, "decay_matrices_only": False, "clip_norm": None,
        "schedule": {"kind": "constant"}, "step": int(meta.get("workbench.step", "0")),
        "source": "none in the file: AdamW at its workbench.lr",
    }


def scheduled_lr(recipe, step):
    """The rate of 0-based step `step`: constant, or linear warmup then cosine to min_factor*lr (nn/schedule.ts)."""
    base, s = recipe["lr"], recipe["schedule"]
    if s["kind"] == "constant":
        return base
    if step < s["warmup"]:
        return base * (step + 1) / s["warmup"]
    span = max(1, s["total"] - s["warmup"])
    progress = min(1.0, (step - s["warmup"]) / span)
    low = s.get("min_factor", 0.1)
    return base * (low + (1 - low) * 0.5 * (1 + math.cos(math.pi * progress)))


def make_optimizer(model, recipe):
    """The recipe's optimizer over the model's parameters (decay on matrices only: two parameter groups)."""
    wd = recipe["weight_decay"]
    params = list(model.parameters())
    if recipe["decay_matrices_only"] and wd > 0:
        groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": wd},
                  {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
        groups = [g for g in groups if g["params"]]
    else:
        groups = [{"params": params, "weight_decay": wd}]
    if recipe["kind"] == "sgd":
        return torch.optim.SGD(groups, lr=recipe["lr"], momentum=recipe["momentum"])
    return torch.optim.AdamW(groups, lr=recipe["lr"], betas=tuple(recipe["betas"]), eps=recipe["eps"])


def explicit_batches(path, data):
    """--batches: one batch per step, each the loss's arguments as JSON lists, typed as the training data is."""
    with open(path, encoding="utf-8") as f:
        rows = json.load(f)
    return [{k: torch.tensor(b[k], dtype=v.dtype) for k, v in data.items()} for b in rows]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("file", help="a safetensors file exported by the workbench")
    p.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    p.add_argument("--lr", type=float, default=None,
                   help="base learning rate, which the schedule multiplies (default: the run's, its peak)")
    p.add_argument("--weight-decay", type=float, default=None, help="weight decay (default: the run's)")
    p.add_argument("--clip", type=float, default=None,
                   help="clip the global gradient norm to this, 0 for none (default: the run's)")
    p.add_argument("--constant-lr", action="store_true",
                   help="no schedule: every step at --lr, or at the rate the run's schedule gives the next step")
    p.add_argument("--batches", help="train on these batches, one per step (JSON list of the loss's arguments, "
                   "named as in workbench.data) instead of sampling them: checks a continuation against the "
                   "workbench's (tests/torch); one process only")
    p.add_argument("--batch", type=int, default=None,
                   help="transformer sentences or char-gpt windows per process and step (default: the run's, or 32)")
    p.add_argument("--text", help="char-gpt: train on this UTF-8 text file instead of the sample in the file")
    p.add_argument("--inputs", help="JSON list of input rows to print outputs for (features, or token ids)")
    p.add_argument("--out", help="write the trained model here (safetensors)")
    p.add_argument("--report", help="write outputs, losses and weights as JSON (one file per process under torchrun)")
    p.add_argument("--every", type=int, default=10, help="print the loss every this many steps (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the batch sampling (default 0)")
    args = p.parse_args()

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    cuda = torch.cuda.is_available()
    if world > 1:
        torch.distributed.init_process_group("nccl" if cuda else "gloo")
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local}" if cuda else "cpu")
    say = print if rank == 0 else (lambda *a, **k: None)

    model, meta = wt.load(args.file)
    model.to(device)
    name = meta.get("workbench.model", "?")
    step0 = int(meta.get("workbench.step", "0"))
    recipe = file_recipe(meta)
    if args.constant_lr:
        recipe["lr"] = args.lr if args.lr is not None else scheduled_lr(recipe, step0)
        recipe["schedule"] = {"kind": "constant"}
    elif args.lr is not None:
        recipe["lr"] = args.lr
    if args.weight_decay is not None:
        recipe["weight_decay"] = args.weight_decay
    if args.clip is not None:
        recipe["clip_norm"] = args.clip if args.clip > 0 else None
    if any(v is not None for v in (args.lr, args.weight_decay, args.clip)) or args.constant_lr:
        recipe["source"] += ", with the command line's changes"
    text = None
    if args.text:
        if not isinstance(model, wt.CharGPT):
            p.error(f"--text is for char-gpt; {name} trains on the rows in its file")
        with open(args.text, encoding="utf-8") as f:
            text = f.read()
    try:
        data = {k: v.to(device) for k, v in wt.training_data(meta, text).items()}
    except ValueError as e:
        p.error(f"--text {args.text}: {e}" if text is not None else str(e))
    batch_size = args.batch or int(meta.get("workbench.batch", "32"))
    given = None
    if args.batches:
        if world > 1:
            p.error("--batches is for one process")
        given = [{k: v.to(device) for k, v in b.items()} for b in explicit_batches(args.batches, data)]
        if args.steps != len(given):
            args.steps = len(given)
    first = next(iter(data.values()))
    rows = json.loads(args.inputs) if args.inputs else first[:4].tolist()
    inputs = wt.model_inputs(model, rows).to(device)

    def full_loss():
        with torch.no_grad():
            return model.loss(**data).item()

    def outputs():
        with torch.no_grad():
            return model(inputs).cpu()

    before = outputs()
    loss0 = full_loss()
    say(f"{name}: {sum(t.numel() for t in model.parameters())} parameters, {len(first)} training rows, "
        f"{world} process(es) on {device.type}")
    say(f"outputs on {len(rows)} input(s): {before.flatten()[:8].tolist()}")
    on = f" on {args.text}" if text is not None else ""
    say(f"workbench: step {step0}, training loss {meta.get('workbench.train_loss', '?')}; "
        f"PyTorch at the loaded weights{on}: {loss0:.6g}")

    shard = {k: v[rank::world] for k, v in data.items()}
    n = len(next(iter(shard.values())))
    objective = Objective(model)
    if world > 1:
        objective = nn.parallel.DistributedDataParallel(objective, device_ids=[local] if cuda else None)
    opt = make_optimizer(model, recipe)
    name_of = {"adam": "AdamW", "sgd": "SGD"}[recipe["kind"]]
    sched = recipe["schedule"]
    say(f"recipe ({recipe['source']}): {name_of} lr {recipe['lr']:.6g}, weight decay {recipe['weight_decay']:g}"
        f"{' on matrices' if recipe['decay_matrices_only'] else ''}, clip {recipe['clip_norm']}, "
        + ("constant rate" if sched["kind"] == "constant" else
           f"warmup {sched['warmup']} then cosine to {sched['min_factor']:g} x lr at step {sched['total']}")
        + f", from step {step0}")
    gen = torch.Generator().manual_seed(args.seed * 1000 + rank)
    losses = []
    local_losses = []
    lrs = []
    for s in range(args.steps):
        if given is not None:
            batch = given[s]
        elif isinstance(model, (wt.Transformer, wt.CharGPT)):
            pick = torch.randint(n, (batch_size,), generator=gen).to(device)
            batch = {k: v[pick] for k, v in shard.items()}
        else:
            batch = shard
        rate = scheduled_lr(recipe, step0 + s)
        for g in opt.param_groups:
            g["lr"] = rate
        lrs.append(rate)
        loss = objective(**batch)
        opt.zero_grad()
        loss.backward()
        if recipe["clip_norm"] is not None:
            nn.utils.clip_grad_norm_(model.parameters(), recipe["clip_norm"])
        opt.step()
        mean = loss.detach().clone()
        if world > 1:
            torch.distributed.all_reduce(mean)
            mean /= world
        local_losses.append(loss.item())
        losses.append(mean.item())
        if (s + 1) % args.every == 0 or s + 1 == args.steps:
            say(f"step {step0 + s + 1}  loss {mean.item():.6g}")

    loss1 = full_loss()
    after = outputs()
    say(f"training loss after {args.steps} steps: {loss1:.6g} (was {loss0:.6g})")
    say(f"outputs on the same input(s): {after.flatten()[:8].tolist()}")
    if args.out and rank == 0:
        cont = (f"PyTorch {torch.__version__}: {args.steps} {name_of} steps from step {step0} at rates "
                f"{lrs[0] if lrs else recipe['lr']:.6g}..{lrs[-1] if lrs else recipe['lr']:.6g}, {world} process(es){on}")
        out_meta = dict(meta)
        # The recipe that ran, at the step the written weights are at, so a further continuation goes on with it.
        ran = {k: v for k, v in recipe.items() if k != "source"}
        out_meta["workbench.optimizer"] = json.dumps(dict(ran, step=step0 + args.steps))
        if text is not None:
            # The loss measured here is of another text than the sample the file carries: it is not written.
            out_meta.pop("workbench.train_loss", None)
            wt.save(args.out, model, out_meta, step=step0 + args.steps, continued=cont)
        else:
            wt.save(args.out, model, out_meta, step=step0 + args.steps, train_loss=loss1, continued=cont)
        say(f"written to {args.out}; load it in the workbench (npm run train -- {name} --load {args.out})")
    if args.report:
        path = args.report if world == 1 else f"{args.report}.rank{rank}"
        report = {
            "model": name,
            "world_size": world,
            "rank": rank,
            "lr": recipe["lr"],
            "recipe": recipe,
            "lrs": lrs,
            "loss_before": loss0,
            "loss_after": loss1,
            "losses": losses,
            "local_losses": local_losses,
            "outputs_before": before.tolist(),
            "outputs_after": after.tolist(),
            "weights": {k: v.detach().cpu().flatten().tolist() for k, v in model.state_dict().items()},
        }
        with open(path, "w") as f:
            json.dump(report, f)
    if world > 1:
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
