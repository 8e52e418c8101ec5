/** Kept for imports written before the paths merged: use `paths` from ./paths.ts. */
export { paths as pipelinePaths } from './paths.ts';
