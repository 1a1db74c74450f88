/**
 * Scaffolder actions that file and await MycoPod VM requests:
 * `proxmox:vm:request` and `proxmox:vm:await`.
 *
 * @packageDocumentation
 */

export { scaffolderModuleProxmox as default } from './module';
export { createVmRequestAction } from './actions/request';
export { createVmAwaitAction } from './actions/await';
