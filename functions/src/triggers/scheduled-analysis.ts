/** Every day at 04:00 UTC -> one analysis job per user with data (pipeline/schedule.ts). */
import { scheduleDailyJobs } from '../pipeline/schedule.ts';
import { scheduled } from './factory.ts';

export const scheduledAnalysis = scheduled(
  'scheduledAnalysis',
  { schedule: 'every day 04:00', timeZone: 'UTC' },
  (event, deps) => scheduleDailyJobs(event, deps.schedule()),
);
