export interface Config {
  /** Configuration of the voting plugins. */
  voting?: {
    /**
     * How long the voting backend waits for a result service before giving up, in
     * milliseconds. Defaults to 5000.
     */
    resultsTimeoutMs?: number;
    /**
     * Hosts (`host` or `host:port`, as in a URL) that result-url annotations may point at.
     * Anyone who can register a catalog entity can set the annotation, so in production list
     * your result services here; without it, any http(s) URL is read.
     */
    allowedResultHosts?: string[];
    /**
     * Sandbox mode (written by `npm start` without cloud credentials): the environments'
     * clusters run no containers, so every environment's tallies are read from the voting stack
     * running on this machine, and the answers say so. Leave unset in production.
     */
    sandbox?: {
      /** The local vote app, e.g. http://localhost:8080 (http or https, no credentials). */
      voteUrl: string;
      /** The local result app, e.g. http://localhost:8081 (http or https, no credentials). */
      resultUrl: string;
      /**
       * Written by `npm start` when its stand-in Prometheus cannot be reached from the clusters'
       * API servers (e.g. this machine has no non-loopback IPv4 address): the alerts section
       * reports this reason as its error instead of asking the service proxy.
       */
      alertsUnavailable?: string;
    };
    /** The live status of environments (`/environments/:name/status`). */
    status?: {
      /**
       * How long each section of an environment's status (cluster, database, DNS, workloads,
       * votes) is served from the cache before its provider is asked again, in seconds: any
       * number of viewers cost one provider call per section per interval. Defaults to 30.
       */
      cacheSeconds?: number;
      /**
       * How long one watch call (`POST /environments/:name/watch`, which the cards repeat while
       * they are shown) keeps an environment watched, in seconds. While watched, its status is
       * checked every `cacheSeconds` and its result service's stream is listened to, and changes
       * are pushed as signals; when no lease runs, nothing is checked. Defaults to 60.
       */
      leaseSeconds?: number;
      /**
       * How long a user's permission decision for the status routes is reused, in seconds: a
       * signal makes every viewer fetch again at once, and each would otherwise ask the
       * permission policy for the same answer. A decision in use is made again in the
       * background before it is this old, so refetches do not wait for it. A change of the
       * policy's answer for a user takes effect after at most this long. Defaults to 5.
       */
      decisionCacheSeconds?: number;
      /**
       * At most one signal about an environment's votes per this many milliseconds: a burst of
       * votes makes one refetch per viewer, and the last tallies are always signalled. Defaults
       * to 100.
       */
      votesSignalIntervalMs?: number;
    };
    /** What the providers offer for the create template's form (`/options/...`). */
    options?: {
      /**
       * How long the regions, versions, sizes with prices and zones are served from the cache
       * before the provider is asked again, in seconds. Defaults to 600.
       */
      cacheSeconds?: number;
    };
  };
  /**
   * The Cloudflare API, which the DNS section of an environment's status reads (also declared
   * by the Cloudflare scaffolder module; this plugin may run without it).
   */
  cloudflare?: {
    /**
     * API token; the status needs Zone:Read and DNS:Read, the zone picker Zone:Read.
     * @visibility secret
     */
    apiToken?: string;
    /** Base URL of the API (default https://api.cloudflare.com/client/v4). */
    apiUrl?: string;
    /** Time-out of one API request in milliseconds. */
    requestTimeoutMs?: number;
  };
}
