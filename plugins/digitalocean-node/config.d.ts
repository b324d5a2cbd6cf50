export interface Config {
  /** The DigitalOcean API, for every package that uses @voting-platform/plugin-digitalocean-node. */
  digitalocean?: {
    /**
     * API token (read and write scopes for Kubernetes, databases and VPCs). A scaffolder task can
     * pass its own in the `digitaloceanToken` secret, which wins over this one.
     * @visibility secret
     */
    token?: string;
    /**
     * Base URL of the API, including /v2 (default https://api.digitalocean.com/v2); e.g. a
     * local emulator's.
     */
    apiUrl?: string;
    /** Time-out of one API request in milliseconds (default 15000); a timed-out request is retried. */
    requestTimeoutMs?: number;
    /**
     * Seconds between two reads while waiting for a cluster to run or a database to be online
     * (default 15: provisioning takes minutes). Sandbox mode sets 1.
     */
    pollIntervalSeconds?: number;
  };
}
