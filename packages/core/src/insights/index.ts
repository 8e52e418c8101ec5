export * from './rules.ts';
export * from './safety.ts';
export * from './messages.ts';
