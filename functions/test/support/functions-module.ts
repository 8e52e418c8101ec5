/**
 * The functions codebase as the deploy tooling loads it (src/index.ts), in the environment that tooling
 * provides: a default bucket (the Storage trigger needs one when it is defined) and a project (the 1st-gen
 * Auth trigger). For tests that read the declared endpoints; `restore` puts the environment back.
 */
export type LoadedFunctions = Record<string, { __endpoint?: unknown }>;

export async function loadFunctions(): Promise<{ functions: LoadedFunctions; restore: () => void }> {
  const savedConfig = process.env.FIREBASE_CONFIG;
  const savedProject = process.env.GCLOUD_PROJECT;
  process.env.FIREBASE_CONFIG = JSON.stringify({
    projectId: 'demo-clarity',
    storageBucket: 'demo-clarity.appspot.com',
  });
  process.env.GCLOUD_PROJECT = 'demo-clarity';
  const functions = (await import('../../src/index.ts')) as LoadedFunctions;
  const restore = (): void => {
    if (savedConfig === undefined) delete process.env.FIREBASE_CONFIG;
    else process.env.FIREBASE_CONFIG = savedConfig;
    if (savedProject === undefined) delete process.env.GCLOUD_PROJECT;
    else process.env.GCLOUD_PROJECT = savedProject;
  };
  return { functions, restore };
}
