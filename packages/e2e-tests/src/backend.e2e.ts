import { Entity, RELATION_MEMBER_OF } from '@backstage/catalog-model';
import {
  databases,
  eventually,
  RunningBackend,
  signIn,
  startBackend,
} from './lib/backend';

async function getEntity(
  baseUrl: string,
  token: string,
  ref: string,
): Promise<Entity | undefined> {
  const [kind, rest] = ref.split(':');
  const [namespace, name] = rest.split('/');
  const res = await fetch(
    `${baseUrl}/api/catalog/entities/by-name/${kind}/${namespace}/${name}`,
    { headers: { Authorization: `Bearer ${token}` } },
  );
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return res.json();
}

describe.each(databases)('demo backend process on %s', database => {
  let backend: RunningBackend;

  beforeAll(async () => {
    backend = await startBackend({ database });
    // Sign-in resolves the catalog user, so wait for the first ingestion of
    // the org file.
    await eventually(() => signIn(backend.baseUrl, 'dev'));
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it.each([
    ['dev', 'user:default/dev', 'group:default/team-a'],
    ['admin', 'user:default/admin', 'group:default/platform-admins'],
  ])(
    'signs in as %s and reads the catalog with that token',
    async (persona, userRef, groupRef) => {
      const session = await signIn(backend.baseUrl, persona);
      expect(session.userEntityRef).toBe(userRef);
      expect(session.ownershipEntityRefs).toEqual(
        expect.arrayContaining([userRef, groupRef]),
      );
      // The token is a real Backstage user token: the catalog accepts it.
      const user = await eventually(() =>
        getEntity(backend.baseUrl, session.token, userRef),
      );
      expect(user.metadata.name).toBe(persona);
      expect(
        user.relations
          ?.filter(r => r.type === RELATION_MEMBER_OF)
          .map(r => r.targetRef),
      ).toEqual([groupRef]);
    },
  );

  it('registers this repository, its system and the templates location', async () => {
    const { token } = await signIn(backend.baseUrl, 'dev');
    const component = await eventually(() =>
      getEntity(backend.baseUrl, token, 'component:default/mycopod'),
    );
    expect(component.spec).toMatchObject({
      owner: 'group:default/platform-admins',
      system: 'mycopod',
    });
    const system = await eventually(() =>
      getEntity(backend.baseUrl, token, 'system:default/mycopod'),
    );
    expect(system.spec?.owner).toBe('group:default/platform-admins');
    const location = await eventually(() =>
      getEntity(backend.baseUrl, token, 'location:default/mycopod-templates'),
    );
    expect(location.spec?.targets).toEqual(['./templates/*/template.yaml']);
  });

  it('refuses unknown personas and unauthenticated catalog reads', async () => {
    await expect(signIn(backend.baseUrl, 'mallory')).rejects.toThrow(/403/);
    await expect(signIn(backend.baseUrl, 'user:evil/admin')).rejects.toThrow(
      /403/,
    );
    const res = await fetch(`${backend.baseUrl}/api/catalog/entities`);
    expect(res.status).toBe(401);
  });
});

describe('persona sign-in outside development', () => {
  it('refuses to start with NODE_ENV=production', async () => {
    const result = await startBackend({
      database: 'sqlite',
      env: { NODE_ENV: 'production' },
      expectExit: true,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.output()).toContain(
      'persona sign-in is for development only and refuses to start with NODE_ENV=production',
    );
  });
});
