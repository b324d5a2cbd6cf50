import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import signalsPlugin from '@backstage/plugin-signals/alpha';
import votingPlugin from '@voting-platform/plugin-voting/alpha';
import { navModule } from './modules/nav';
import { signInModule } from './modules/signIn';

/**
 * The portal: the catalog (home page), the scaffolder, and the voting plugin's entity card,
 * with a short sidebar, no search, and single sign-on outside local use. The signals plugin
 * carries the backend's pushes (the voting cards' live updates).
 */
export default createApp({
  features: [
    catalogPlugin,
    scaffolderPlugin,
    signalsPlugin,
    votingPlugin,
    navModule,
    signInModule,
  ],
});
