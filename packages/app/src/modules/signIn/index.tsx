import { OAuth2 } from '@backstage/core-app-api';
import {
  ApiBlueprint,
  BackstageIdentityApi,
  configApiRef,
  createApiRef,
  createFrontendModule,
  discoveryApiRef,
  OAuthApi,
  oauthRequestApiRef,
  OpenIdConnectApi,
  ProfileInfoApi,
  SessionApi,
  useApi,
} from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';

/** The OpenID Connect provider of the backend (`auth.providers.oidc`). */
export const oidcAuthApiRef = createApiRef<
  OAuthApi &
    OpenIdConnectApi &
    ProfileInfoApi &
    BackstageIdentityApi &
    SessionApi
>().with({ id: 'internal.auth.oidc', pluginId: 'app' });

const oidcAuthApi = ApiBlueprint.make({
  name: 'oidc-auth',
  params: defineParams =>
    defineParams({
      api: oidcAuthApiRef,
      deps: {
        discoveryApi: discoveryApiRef,
        oauthRequestApi: oauthRequestApiRef,
        configApi: configApiRef,
      },
      factory: ({ discoveryApi, oauthRequestApi, configApi }) =>
        OAuth2.create({
          configApi,
          discoveryApi,
          oauthRequestApi,
          provider: { id: 'oidc', title: 'Single sign-on', icon: () => null },
          environment: configApi.getOptionalString('auth.environment'),
          defaultScopes: ['openid', 'profile', 'email'],
        }),
    }),
});

/**
 * Guest sign-in where the backend runs in the development environment (local use), single
 * sign-on everywhere else: the backend refuses guest outside development anyway.
 */
const signInPage = SignInPageBlueprint.make({
  params: {
    loader: async () => {
      const { SignInPage } = await import('@backstage/core-components');
      return props => {
        const environment =
          useApi(configApiRef).getOptionalString('auth.environment');
        return (
          <SignInPage
            {...props}
            providers={
              environment === 'development'
                ? ['guest']
                : [
                    {
                      id: 'oidc-auth-provider',
                      title: 'Single sign-on',
                      message: 'Sign in with your organization account',
                      apiRef: oidcAuthApiRef,
                    },
                  ]
            }
          />
        );
      };
    },
  },
});

export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [oidcAuthApi, signInPage],
});
