export interface Config {
  /** Configuration of the voting plugins. */
  voting?: {
    /**
     * How long the voting backend waits for a result service before giving up, in
     * milliseconds. Defaults to 5000.
     */
    resultsTimeoutMs?: number;
  };
}
