import type { SignalApi } from '@backstage/plugin-signals-react';
import type { EnvironmentSignal } from '@voting-platform/plugin-voting-common';
import { act } from '@testing-library/react';

/** A signals connection for component tests: records subscriptions, delivers what a test sends. */
export function signalsFake() {
  const listeners = new Map<string, Set<(message: any) => void>>();
  const api: SignalApi = {
    subscribe(channel, onMessage) {
      const set = listeners.get(channel) ?? new Set();
      set.add(onMessage);
      listeners.set(channel, set);
      return { unsubscribe: () => set.delete(onMessage) };
    },
  };
  return {
    api,
    channels: () => [...listeners].filter(([, s]) => s.size).map(([c]) => c),
    send(channel: string, message: EnvironmentSignal) {
      act(() => listeners.get(channel)?.forEach(listen => listen(message)));
    },
  };
}
