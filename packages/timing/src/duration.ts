/** A duration for a log line, in minutes and seconds: `0m45s`, `6m00s`, `90m05s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.floor(Math.max(ms, 0) / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(
    2,
    '0',
  )}s`;
}
