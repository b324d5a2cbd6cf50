export interface Config {
  /**
   * Settings of the Kubernetes scaffolder actions (kubernetes:*). Not under `kubernetes`, which
   * belongs to Backstage's Kubernetes plugin. The actions also read `digitalocean.token` and
   * `digitalocean.apiUrl` (declared by the DigitalOcean module).
   */
  kubernetesActions?: {
    /** Helm, as kubernetes:helm-release:ensure runs it. */
    helm?: {
      /** Path of the Helm binary (default: `helm` on the backend's PATH). */
      binary?: string;
      /**
       * Where each preset's chart comes from, instead of its public repository at the version
       * pinned in the module (a mirror, an air-gapped registry, a newer pin). A repository set
       * here is allowed without listing it in `allowedRepositories`.
       */
      presets?: {
        /** The `traefik` preset (default https://traefik.github.io/charts, 37.0.0). */
        traefik?: {
          /** Chart repository URL (https:// or oci://, no credentials). */
          repository?: string;
          /** Exact chart version, e.g. 37.0.0 (no ranges). */
          version?: string;
        };
        /** The `kube-prometheus-stack` preset (default https://prometheus-community.github.io/helm-charts, 77.0.0). */
        'kube-prometheus-stack'?: {
          /** Chart repository URL (https:// or oci://, no credentials). */
          repository?: string;
          /** Exact chart version, e.g. 77.0.0 (no ranges). */
          version?: string;
        };
      };
      /**
       * Chart repositories (https:// or oci:// URLs, compared without a trailing slash) that
       * templates may install charts from. Default: the presets' repositories
       * (https://traefik.github.io/charts, https://prometheus-community.github.io/helm-charts,
       * or those set under `presets`).
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
