/**
 * The MycoPod backend plugin: VM requests, approvals, policy and
 * exactly-once provisioning on Proxmox VE.
 *
 * @packageDocumentation
 */
export { proxmoxPlugin as default } from './plugin';
export {
  proxmoxRequestConditions,
  createProxmoxRequestConditionalDecision,
} from './permissions/rules';
