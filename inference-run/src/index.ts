export { startServer, type RunningServer, type StartOptions } from './server/start.ts';
export { ModelRegistry, type LoadedModel } from './models/registry.ts';
export { MicroBatcher } from './batching/micro-batcher.ts';
