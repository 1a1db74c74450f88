import {
  mockCredentials,
  startTestBackend,
  mockServices,
} from '@backstage/backend-test-utils';
import request from 'supertest';
import permissionBackend from '@backstage/plugin-permission-backend';
import permissionModuleMycoPodPolicy from '.';

describe('MycoPod permission policy in a real permission backend', () => {
  async function authorize(names: string[], header?: string) {
    const { server } = await startTestBackend({
      features: [
        permissionBackend,
        permissionModuleMycoPodPolicy,
        mockServices.rootConfig.factory({
          data: { permission: { enabled: true } },
        }),
      ],
    });
    const req = request(server)
      .post('/api/permission/authorize')
      .send({
        items: names.map((name, i) => ({
          id: String(i),
          permission: { type: 'basic', name, attributes: {} },
        })),
      });
    return header ? req.set('Authorization', header) : req;
  }

  it('allows Backstage permissions and denies unknown ones for a user', async () => {
    const res = await authorize(
      [
        'catalog.entity.read',
        'scaffolder.task.create',
        'mycopod.vm.delete',
        'other.thing',
      ],
      mockCredentials.user.header('user:default/dev'),
    );
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { result: string }) => i.result)).toEqual([
      'ALLOW',
      'ALLOW',
      'DENY',
      'DENY',
    ]);
  });

  it('rejects unauthenticated callers', async () => {
    const res = await authorize(
      ['catalog.entity.read'],
      mockCredentials.none.header(),
    );
    expect(res.status).toBe(401);
  });
});
