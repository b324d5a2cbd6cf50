import { useApi } from '@backstage/core-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import {
  environmentSignalChannel,
  type EnvironmentSignal,
  type StatusSectionName,
} from '@voting-platform/plugin-voting-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { votingStatusApiRef } from '../statusApi';

/** How soon a failed lease renewal is tried again. */
const RENEW_RETRY_MS = 10_000;

/** What {@link useEnvironmentWatch} gives the view. */
export type EnvironmentWatch = {
  /** How many signals about the view's sections came: a dependency of the fetch. */
  pushes: number;
  /**
   * The view's sections that signals named since the last call (and forgets them): what the
   * fetch a signal causes needs to ask for.
   */
  takeChanged(): StatusSectionName[];
};

/**
 * Watches an environment while the calling view is mounted: renews the backend's lease (which
 * keeps the backend checking the environment and listening to its votes) and counts the
 * signals about the given sections. Use the count as a dependency of the fetch: each signal is
 * a hint to fetch again. Nothing happens without a name.
 */
export function useEnvironmentWatch(
  name: string | undefined,
  sections: readonly StatusSectionName[],
): EnvironmentWatch {
  const api = useApi(votingStatusApiRef);
  const [pushes, setPushes] = useState(0);
  // a ref, not state: what signals named while a fetch was under way is for the next fetch
  const changed = useRef(new Set<StatusSectionName>());
  const { lastSignal } = useSignal<EnvironmentSignal>(
    environmentSignalChannel(name ?? ''),
  );
  const wanted = sections.join(',');

  useEffect(() => {
    if (!name) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const renew = async () => {
      let nextMs = RENEW_RETRY_MS;
      try {
        const { leaseSeconds } = await api.watch(name);
        // renewed halfway, so a slow answer never lets the lease lapse
        nextMs = (leaseSeconds * 1000) / 2;
      } catch {
        // the fallback poll keeps the view current meanwhile
      }
      if (!stopped) timer = setTimeout(renew, nextMs);
    };
    renew();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, name]);

  useEffect(() => {
    if (!name || lastSignal?.environment !== name) return;
    const shown = (lastSignal.sections ?? []).filter(section =>
      wanted.split(',').includes(section),
    );
    if (shown.length === 0) return;
    for (const section of shown) changed.current.add(section);
    setPushes(count => count + 1);
  }, [lastSignal, name, wanted]);

  const takeChanged = useCallback(() => {
    const taken = [...changed.current];
    changed.current.clear();
    return taken;
  }, []);

  return { pushes, takeChanged };
}
