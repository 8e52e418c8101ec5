/** A realistic HealthKit batch: one morning of watch data across types, in New York time. */
export function morningBatch(day = '2026-11-20'): { samples: Record<string, unknown>[] } {
  const samples: Record<string, unknown>[] = [];
  for (let m = 0; m < 10; m++) {
    const t = `${day}T07:${String(m).padStart(2, '0')}:00-05:00`;
    samples.push({
      type: 'HKQuantityTypeIdentifierHeartRate',
      value: 58 + m,
      unit: 'count/min',
      startDate: t,
      endDate: t,
      sourceName: 'Apple Watch',
      device: 'Watch7,1',
    });
  }
  samples.push(
    {
      type: 'HKQuantityTypeIdentifierStepCount',
      value: 412,
      unit: 'count',
      startDate: `${day}T07:00:00-05:00`,
      endDate: `${day}T07:10:00-05:00`,
      sourceName: 'Apple Watch',
    },
    {
      type: 'HKQuantityTypeIdentifierHeartRateVariabilitySDNN',
      value: 44.5,
      unit: 'ms',
      startDate: `${day}T07:02:00-05:00`,
      endDate: `${day}T07:03:00-05:00`,
      sourceName: 'Apple Watch',
    },
    {
      type: 'HKCategoryTypeIdentifierSleepAnalysis',
      value: 'asleepDeep',
      startDate: `${day}T03:00:00-05:00`,
      endDate: `${day}T03:40:00-05:00`,
      sourceName: 'Apple Watch',
    },
    {
      type: 'HKCategoryTypeIdentifierSleepAnalysis',
      value: 'asleepREM',
      startDate: `${day}T03:40:00-05:00`,
      endDate: `${day}T04:05:00-05:00`,
      sourceName: 'Apple Watch',
    },
  );
  return { samples };
}
