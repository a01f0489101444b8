// attention-backward-bindings: the inputs both streaming backward kernels (attention-backward-dq,
// attention-backward-dkdv) read, at bindings 0..5 of group 0 (src/kernels/attention-backward/gpu.ts binds them in
// this order); each kernel declares its outputs and its uniform from binding 6 on.
//
// Layout: q, dout [BH, T, D]; k, v [BH, S, D]; lse, delta [BH, T] (row-major f32, no padding).

@group(0) @binding(0) var<storage, read> q: array<vec4f>;
@group(0) @binding(1) var<storage, read> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> v: array<vec4f>;
@group(0) @binding(3) var<storage, read> dout: array<vec4f>;
@group(0) @binding(4) var<storage, read> lse: array<u32>; // f32 bits
@group(0) @binding(5) var<storage, read> delta: array<f32>;
