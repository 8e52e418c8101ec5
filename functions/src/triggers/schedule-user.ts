/** One user's daily analysis job, fanned out by scheduledAnalysis (pipeline/schedule.ts). */
import { scheduleUserJob, type ScheduleUserTask } from '../pipeline/schedule.ts';
import { taskDispatched } from './factory.ts';

export const scheduleUserTask = taskDispatched<ScheduleUserTask>(
  'scheduleUserTask',
  {
    retryConfig: { maxAttempts: 5, minBackoffSeconds: 10, maxBackoffSeconds: 300, maxDoublings: 4 },
    rateLimits: { maxConcurrentDispatches: 20, maxDispatchesPerSecond: 50 },
    timeoutSeconds: 60,
  },
  (req, deps) => scheduleUserJob(req.data, deps.scheduleUser()),
);
