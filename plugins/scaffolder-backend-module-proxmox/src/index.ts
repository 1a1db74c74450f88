/**
 * Scaffolder actions that file and await MycoPod VM requests
 * (`proxmox:vm:request`, `proxmox:vm:await`) and draft, submit and declare
 * LLM-drafted plans (`proxmox:plan:draft`, `proxmox:plan:submit`,
 * `proxmox:declaration:write`).
 *
 * @packageDocumentation
 */

export { scaffolderModuleProxmox as default } from './module';
export { createVmRequestAction } from './actions/request';
export { createVmAwaitAction } from './actions/await';
export { createPlanDraftAction, createPlanSubmitAction } from './actions/plan';
export { createDeclarationWriteAction } from './actions/declaration';
