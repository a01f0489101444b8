// The tests drive the system Chromium (Debian's `chromium`, which ships SwiftShader for WebGPU).
// Puppeteer's own browser download is skipped: it cannot be fetched on machines without general network.
module.exports = { skipDownload: true };
