/**
 * Vite build of the web dialer (web-dialer/ → dist/web). Minimal until the web-dialer issue; kept
 * dependency-free so typechecking does not need vite installed yet.
 */
export default {
  root: 'web-dialer',
  build: { outDir: '../dist/web', emptyOutDir: true },
};
