/** `GET /v2/account`: the account of the token. */
import { ok, type DigitalOceanState, type Handlers } from './state';

export function accountHandlers(s: DigitalOceanState): Handlers {
  return {
    account_get: () =>
      ok(200, {
        account: {
          droplet_limit: 25,
          floating_ip_limit: 3,
          email: 'sandbox@example.com',
          name: 'Sandbox',
          uuid: s.accountUuid,
          email_verified: true,
          status: 'active',
          status_message: '',
          team: { uuid: s.accountUuid, name: 'Sandbox team' },
        },
      }),
  };
}
