// The kernel modules as asset URLs for the browser (Vite serves them in dev and emits them in a build).

import singleUrl from "./build/kernels-single.wasm?url";
import threadsUrl from "./build/kernels-threads.wasm?url";

export { singleUrl, threadsUrl };
