export interface Config {
  /** The voting platform's product settings. */
  votingPlatform?: {
    /** Who may do what in the portal (the voting permission policy). */
    permissions: {
      /**
       * Entity ref of the platform group, e.g. `group:default/platform-team`: its members may do
       * everything.
       */
      platformGroup: string;
      /**
       * Users who may do everything without being in the platform group, e.g.
       * `user:development/guest` for local use. Leave unset in production.
       */
      platformUsers?: string[];
      /**
       * The templates that create an environment for the group in their `owner` parameter.
       * Default: `template:default/voting-platform`.
       */
      createTemplates?: string[];
      /**
       * The templates that tear an environment down (its owner is read from the cluster's
       * `owner:<group>` tag). Default: `template:default/voting-platform-teardown`.
       */
      teardownTemplates?: string[];
    };
  };
}
