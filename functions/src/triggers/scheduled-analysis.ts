/** Every day at 04:00 UTC -> one task per user (pipeline/schedule.ts), each making that user's job. */
import { fanOutDailyJobs } from '../pipeline/schedule.ts';
import { scheduled } from './factory.ts';

export const scheduledAnalysis = scheduled(
  'scheduledAnalysis',
  { schedule: 'every day 04:00', timeZone: 'UTC' },
  (event, deps) => fanOutDailyJobs(event, deps.schedule()),
);
