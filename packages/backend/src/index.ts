/**
 * The portal's backend: Backstage's catalog, scaffolder, auth (OpenID Connect sign-in; guest
 * for local use), proxy, events, signals and permission plugins, plus this repository's voting
 * plugin, scaffolder modules and permission policy. Also serves the built frontend (packages/app).
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

// Serves the frontend bundle and injects its config.
backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// Sign-in: OpenID Connect in production (app-config.production.yaml); the guest provider
// answers only where config enables it, i.e. locally (app-config.yaml).
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-oidc-provider'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
// The environments the templates made (recorded by the voting backend) as catalog entities.
backend.add(import('@voting-platform/plugin-catalog-backend-module-voting'));

backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(
  import('@voting-platform/plugin-scaffolder-backend-module-digitalocean'),
);
backend.add(
  import('@voting-platform/plugin-scaffolder-backend-module-cloudflare'),
);
backend.add(
  import('@voting-platform/plugin-scaffolder-backend-module-kubernetes'),
);
backend.add(import('@voting-platform/plugin-scaffolder-backend-module-voting'));

// Who may do what (votingPlatform.permissions in app-config): the policy, and the scaffolder
// guard that applies it to the templates' parameters before a task is created.
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('@voting-platform/plugin-permission-backend-module-voting'));

// Events between plugins (the catalog and signals subscribe to it).
backend.add(import('@backstage/plugin-events-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

backend.add(import('@voting-platform/plugin-voting-backend'));

backend.start();
