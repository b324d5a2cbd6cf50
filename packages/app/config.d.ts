export interface Config {
  app?: {
    /**
     * Set by `npm start` in sandbox mode (no cloud credentials): the sidebar says that
     * DigitalOcean and Cloudflare are emulated locally.
     * @visibility frontend
     */
    sandbox?: boolean;
  };
}
