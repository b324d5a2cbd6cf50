import { type DependencyList, useEffect } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';

/**
 * `useAsyncRetry` that runs again every `intervalMs` (0: never). While a new answer is on its
 * way the last one stays in `value`, so a view does not flicker back to a spinner.
 */
export function usePolling<T>(
  fn: () => Promise<T>,
  deps: DependencyList,
  intervalMs: number,
) {
  const state = useAsyncRetry(fn, deps);
  const { retry } = state;
  useEffect(() => {
    if (!intervalMs) return undefined;
    const timer = setInterval(retry, intervalMs);
    return () => clearInterval(timer);
  }, [retry, intervalMs]);
  return state;
}
