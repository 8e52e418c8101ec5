/** The functions codebase: this file only wires triggers to handlers. */
export { api } from './api/function.ts';
export { onUploadCreated } from './pipeline/triggers.ts';
