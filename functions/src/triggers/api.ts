/** The HTTPS API (api/app.ts), built from the params on its first request (api/function.ts). */
import { serveApi } from '../api/function.ts';
import { signingSecret } from '../platform/config.ts';
import { httpsRequest } from './factory.ts';

export const api = httpsRequest(
  'api',
  { memory: '512MiB', timeoutSeconds: 60, concurrency: 80, moreSecrets: [signingSecret] },
  serveApi,
);
