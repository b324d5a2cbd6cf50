import {
  Sidebar,
  SidebarDivider,
  SidebarGroup,
  SidebarItem,
  SidebarSpace,
} from '@backstage/core-components';
import {
  configApiRef,
  createFrontendModule,
  useApi,
} from '@backstage/frontend-plugin-api';
import { NavContentBlueprint } from '@backstage/plugin-app-react';
import MenuIcon from '@material-ui/icons/Menu';
import Chip from '@material-ui/core/Chip';
import CloudOffIcon from '@material-ui/icons/CloudOff';

/**
 * Says, on every page, that provisioning goes to local emulators and clusters (`app.sandbox`,
 * set by `npm start` without cloud credentials), so nobody mistakes it for the real clouds.
 */
function SandboxLabel() {
  const sandbox = useApi(configApiRef).getOptionalBoolean('app.sandbox');
  if (!sandbox) return null;
  return (
    <Chip
      role="status"
      icon={<CloudOffIcon />}
      label="sandbox"
      title="Sandbox mode: DigitalOcean and Cloudflare are emulated on this machine; each cluster is a local control plane"
      color="secondary"
      size="small"
      style={{ margin: '8px auto' }}
    />
  );
}

/** Catalog and scaffolder first, then whatever other pages plugins add; no search. */
const sidebar = NavContentBlueprint.make({
  params: {
    component: ({ navItems }) => {
      const nav = navItems.withComponent(item => (
        <SidebarItem icon={() => item.icon} to={item.href} text={item.title} />
      ));
      return (
        <Sidebar>
          <SandboxLabel />
          <SidebarGroup label="Menu" icon={<MenuIcon />}>
            {nav.take('page:catalog')}
            {nav.take('page:scaffolder')}
            <SidebarDivider />
            {nav.rest({ sortBy: 'title' })}
          </SidebarGroup>
          <SidebarSpace />
        </Sidebar>
      );
    },
  },
});

export const navModule = createFrontendModule({
  pluginId: 'app',
  extensions: [sidebar],
});
