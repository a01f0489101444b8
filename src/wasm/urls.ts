// The kernel modules as asset URLs for the browser (Vite serves them in dev and emits them in a build).

import singleUrl from "./build/kernels-single.wasm?url";
import singleRelaxedUrl from "./build/kernels-single-relaxed.wasm?url";
import threadsUrl from "./build/kernels-threads.wasm?url";
import threadsRelaxedUrl from "./build/kernels-threads-relaxed.wasm?url";

export { singleRelaxedUrl, singleUrl, threadsRelaxedUrl, threadsUrl };
