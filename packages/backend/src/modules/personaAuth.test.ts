import { ConfigReader } from '@backstage/config';
import { readPersonaConfig } from './personaAuth';

describe('readPersonaConfig', () => {
  const config = (persona?: object) =>
    new ConfigReader(persona ? { auth: { providers: { persona } } } : {});

  it('normalises the persona list to user entity refs', () => {
    expect(
      readPersonaConfig(
        config({ users: ['dev', 'user:default/admin', 'ops/carol'] }),
        'development',
      ),
    ).toEqual({
      users: ['user:default/dev', 'user:default/admin', 'user:ops/carol'],
      allowInProduction: false,
    });
  });

  it('is off when not configured', () => {
    expect(readPersonaConfig(config(), 'production')).toBeUndefined();
  });

  it('refuses production unless explicitly allowed', () => {
    expect(() =>
      readPersonaConfig(config({ users: ['dev'] }), 'production'),
    ).toThrow(/development only and refuses to start with NODE_ENV=production/);
    expect(
      readPersonaConfig(
        config({ users: ['dev'], dangerouslyAllowInProduction: true }),
        'production',
      ),
    ).toEqual({ users: ['user:default/dev'], allowInProduction: true });
  });

  it('rejects an empty persona list', () => {
    expect(() =>
      readPersonaConfig(config({ users: [] }), 'development'),
    ).toThrow(/must list at least one user/);
  });
});
