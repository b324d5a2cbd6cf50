/**
 * The voting backend plugin: live vote tallies for catalog entities.
 *
 * @packageDocumentation
 */
export { votingPlugin as default } from './plugin';
