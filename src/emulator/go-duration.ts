/**
 * Formats milliseconds like Go's `time.Duration.String()`, as OpenAI's `x-ratelimit-reset-*`
 * headers and "Please try again in …" messages do: `0s`, `8ms`, `1.5s`, `6m0s`, `1h0m0s`.
 */
export function goDuration(ms: number): string {
  if (!(ms > 0)) return '0s';
  if (ms < 1000) return `${trim(ms.toFixed(3))}ms`;
  const totalSeconds = ms / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds - hours * 3600 - minutes * 60;
  const secondsText = `${trim(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

function trim(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}
