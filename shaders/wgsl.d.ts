// Vite imports a WGSL file as its source text with the `?raw` suffix.
declare module "*.wgsl?raw" {
  const source: string;
  export default source;
}
