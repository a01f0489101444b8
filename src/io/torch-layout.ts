// How the workbench's parameters are named and laid out in PyTorch: the one place that says so.
//
// The PyTorch twin of every model (src/torch/workbench_torch.py) uses the workbench's module paths (e.g.
// "blocks.0.attn.q", "mlp.1", "mixture.scores"), so a parameter's path stays and only its last part and layout
// follow torch.nn:
//
//   workbench layer      workbench parameter            PyTorch parameter (state_dict key)   layout
//   Linear               <path>.weight [in, out]        <path>.weight [out, in]              transposed
//   Linear               <path>.bias [out]              <path>.bias [out]                    same
//   Embedding            <path>.table [vocab, width]    <path>.weight [vocab, width]         same
//   LayerNorm            <path>.gamma [width]           <path>.weight [width]                same
//   LayerNorm            <path>.beta [width]            <path>.bias [width]                  same
//
// In src/nn only Linear owns a parameter named "weight", only Embedding one named "table" and only LayerNorm the
// "gamma" and "beta", so the last part of a name says which layer it belongs to; a name none of these rules
// covers is refused rather than guessed.
//
// char-gpt (models/char-gpt.ts) by these rules:
//   tokens.table [V, C]             tokens.weight [V, C]
//   positions.table [T, C]          positions.weight [T, C]
//   blocks.i.ln1 / ln2 / lnF        blocks.i.ln1.weight, .bias, ... lnF.weight, lnF.bias
//   blocks.i.attn.{q,k,v,o}         blocks.i.attn.q.weight [C, C] (transposed), .bias [C]
//   blocks.i.mlp.0 / mlp.1          blocks.i.mlp.0.weight [4C, C], mlp.1.weight [C, 4C] (transposed), .bias
//   head.weight [C, V] (untied)     head.weight [V, C] (transposed)
// Its head is tied to the token table by default, and then neither side has a head parameter: here the logits
// are h·tokens.tableᵀ, in the twin F.linear(h, tokens.weight). So the shared matrix is in the state_dict and in
// the file once, as "tokens.weight", and a file with a "head.weight" is of an untied model (a tied model refuses
// it as a tensor it does not have). A safetensors file has no shared tensors (the safetensors library refuses to
// write one tensor under two names); with this rule no tensor is written twice.

export interface Tensor32 {
  shape: number[];
  data: Float32Array;
}

interface Rule {
  /** Last part of the workbench name. */
  ours: string;
  /** Last part of the PyTorch name. */
  torch: string;
  /** A 2-D tensor stored [in, out] here and [out, in] in PyTorch. */
  transpose: boolean;
}

export const LAYOUT_RULES: readonly Rule[] = [
  { ours: "weight", torch: "weight", transpose: true },
  { ours: "bias", torch: "bias", transpose: false },
  { ours: "table", torch: "weight", transpose: false },
  { ours: "gamma", torch: "weight", transpose: false },
  { ours: "beta", torch: "bias", transpose: false },
];

function split(name: string): [string, string] {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? ["", name] : [name.slice(0, dot + 1), name.slice(dot + 1)];
}

function ruleOf(ours: string): Rule {
  const rule = LAYOUT_RULES.find((r) => r.ours === split(ours)[1]);
  if (!rule) throw new Error(`torch layout: no rule for the workbench parameter '${ours}'`);
  return rule;
}

/** The PyTorch name and shape of a workbench parameter. */
export function torchNameOf(ours: string, shape: readonly number[]): { name: string; shape: number[] } {
  const rule = ruleOf(ours);
  const [path] = split(ours);
  if (rule.transpose && shape.length !== 2)
    throw new Error(
      `torch layout: '${ours}' should be a 2-D Linear weight, its shape is [${shape.join(", ")}]`,
    );
  return { name: path + rule.torch, shape: rule.transpose ? [shape[1]!, shape[0]!] : [...shape] };
}

/** [rows, cols] row-major → [cols, rows]. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** A workbench parameter as PyTorch holds it. */
export function toTorch(ours: string, t: Tensor32): [string, Tensor32] {
  const rule = ruleOf(ours);
  const { name, shape } = torchNameOf(ours, t.shape);
  const data = rule.transpose ? transpose2d(t.data, t.shape[0]!, t.shape[1]!) : Float32Array.from(t.data);
  return [name, { shape, data }];
}

/** A PyTorch tensor (already checked to have the shape `torchNameOf` gives) as the workbench parameter `ours`. */
export function fromTorch(ours: string, t: Tensor32): Tensor32 {
  const rule = ruleOf(ours);
  if (!rule.transpose) return { shape: [...t.shape], data: Float32Array.from(t.data) };
  const [out, inp] = t.shape as [number, number];
  return { shape: [inp, out], data: transpose2d(t.data, out, inp) };
}
