export interface Config {
  /**
   * Settings of the Kubernetes scaffolder actions (kubernetes:*). Not under `kubernetes`, which
   * belongs to Backstage's Kubernetes plugin. The actions also read `digitalocean.token` and
   * `digitalocean.apiUrl` (declared by the DigitalOcean module).
   */
  kubernetesActions?: {
    /** Helm, as kubernetes:helm:install runs it. */
    helm?: {
      /** Path of the Helm binary (default: `helm` on the backend's PATH). */
      binary?: string;
      /**
       * Chart repositories (https:// or oci:// URLs, compared without a trailing slash) that
       * templates may install charts from. Default: the presets' repositories
       * (https://traefik.github.io/charts, https://prometheus-community.github.io/helm-charts).
       */
      allowedRepositories?: string[];
      /**
       * For tests only: repositories whose charts are read from a local folder
       * (`<directory>/<chart>`) instead, e.g. stand-ins of charts that cannot be downloaded. Each
       * must also be allowed. Template input never names a local path.
       */
      localChartRepositories?: Array<{
        /** The repository URL as templates name it. */
        url: string;
        /** Absolute path of the folder holding one folder per chart. */
        directory: string;
      }>;
    };
  };
}
