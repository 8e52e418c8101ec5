/** Firestore and Storage paths, in one place (DESIGN.md "Data model"). */
export const paths = {
  user: (uid: string) => `users/${uid}`,
  uploads: (uid: string) => `users/${uid}/uploads`,
  upload: (uid: string, uploadId: string) => `users/${uid}/uploads/${uploadId}`,
  series: (uid: string) => `users/${uid}/series`,
  seriesDoc: (uid: string, metric: string, date: string) => `users/${uid}/series/${metric}_${date}`,
  jobs: (uid: string) => `users/${uid}/jobs`,
  workouts: (uid: string) => `users/${uid}/workouts`,
  workout: (uid: string, id: string) => `users/${uid}/workouts/${id}`,
  activitySummaries: (uid: string) => `users/${uid}/activitySummaries`,
  activitySummary: (uid: string, date: string) => `users/${uid}/activitySummaries/${date}`,
  /** Raw object of an upload, kept so nothing a user sent is lost even when parsing rejects part of it. */
  rawObject: (uid: string, uploadId: string, name: string) => `raw/${uid}/${uploadId}/${name}`,
  rawPrefix: (uid: string) => `raw/${uid}/`,
} as const;

/** Ids are path segments: refuse anything that could escape one. */
export function isSafeId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,128}$/.test(id);
}
