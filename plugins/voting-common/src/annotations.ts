/**
 * Annotation on a catalog entity (usually the result or vote Component) holding the base URL of
 * the running result service, e.g. `http://localhost:8081`. The voting backend plugin reads
 * `<url>/api/results` from it.
 *
 * @public
 */
export const RESULT_URL_ANNOTATION = 'voting-platform.io/result-url';

/**
 * Annotation holding the base URL of the running vote app, shown as a link next to the tallies.
 *
 * @public
 */
export const VOTE_URL_ANNOTATION = 'voting-platform.io/vote-url';

/**
 * Annotation naming the environment (as the voting backend records it) that a catalog entity
 * was made from: the status views read the environment's status by this name.
 *
 * @public
 */
export const ENVIRONMENT_ANNOTATION = 'voting-platform.io/environment';

/**
 * Annotation on an environment's Component holding when its record was last updated (ISO 8601,
 * the record's `updatedAt`): whoever wrote the record can tell whether the catalog serves that
 * write yet.
 *
 * @public
 */
export const ENVIRONMENT_UPDATED_AT_ANNOTATION =
  'voting-platform.io/environment-updated-at';

/**
 * Label on an environment's catalog entities naming the DigitalOcean region of its cluster
 * (`nyc1`, `fra1`...), as the create template chose it: the environments page filters by it.
 *
 * @public
 */
export const REGION_LABEL = 'voting-platform.io/region';
