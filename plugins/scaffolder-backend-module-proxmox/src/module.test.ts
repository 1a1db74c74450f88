import { startTestBackend } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import scaffolderModuleProxmox from './index';

describe('scaffolderModuleProxmox', () => {
  it('registers the VM request and plan actions', async () => {
    const addActions = jest.fn();
    await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
      features: [scaffolderModuleProxmox],
    });
    const actions = addActions.mock.calls.flat();
    expect(actions.map(a => a.id)).toEqual([
      'proxmox:vm:request',
      'proxmox:vm:await',
      'proxmox:plan:draft',
      'proxmox:plan:submit',
      'proxmox:declaration:write',
    ]);
    for (const action of actions) {
      expect(action.supportsDryRun).toBe(true);
      expect(action.examples.length).toBeGreaterThan(0);
      expect(action.schema.input.type).toBe('object');
    }
  });
});
