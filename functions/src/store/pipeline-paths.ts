/** Firestore paths of the pipeline documents (DESIGN.md "Data model"). */
export const pipelinePaths = {
  job: (uid: string, jobId: string) => `users/${uid}/jobs/${jobId}`,
  analyses: (uid: string) => `users/${uid}/analyses`,
  analysis: (uid: string, id: string) => `users/${uid}/analyses/${id}`,
  insights: (uid: string) => `users/${uid}/insights`,
  insight: (uid: string, id: string) => `users/${uid}/insights/${id}`,
  llmUsage: (uid: string, day: string) => `users/${uid}/usage/llm_${day}`,
  llmCache: (hash: string) => `llmCache/${hash}`,
  deadLetter: (id: string) => `deadLetters/${id}`,
} as const;
