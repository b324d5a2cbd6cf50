export interface Config {
  /** Settings of the Cloudflare scaffolder actions (cloudflare:*). */
  cloudflare?: {
    /**
     * API token (Zone:Read, DNS:Edit, Zone Settings:Edit and, for Origin CA certificates,
     * SSL and Certificates:Edit). A task can pass its own in the `cloudflareApiToken` secret,
     * which wins over this one.
     * @visibility secret
     */
    apiToken?: string;
    /** Base URL of the API (default https://api.cloudflare.com/client/v4); e.g. a local emulator's. */
    apiUrl?: string;
    /** Time-out of one API request in milliseconds (default 15000); the SDK retries it twice. */
    requestTimeoutMs?: number;
  };
}
