import type { StatusSectionName } from './status';

/**
 * The signal channel on which the voting backend says that an environment's status changed
 * (`voting:environment:<name>`). Only users holding a watch lease on it receive its signals.
 *
 * @public
 */
export function environmentSignalChannel(name: string): string {
  return `voting:environment:${name}`;
}

/**
 * What a signal on an {@link environmentSignalChannel} carries: a hint to fetch the status again,
 * naming the sections that changed. It holds no status itself: the REST call is the source of
 * truth, and it checks permissions.
 *
 * @public
 */
export type EnvironmentSignal = {
  environment: string;
  sections: StatusSectionName[];
};

/**
 * What `POST /api/voting/environments/:name/watch` answers: for how long the backend keeps
 * watching the environment for this user; renew before it ends.
 *
 * @public
 */
export type EnvironmentWatchLease = { leaseSeconds: number };
