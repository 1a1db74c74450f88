/**
 * The MycoPod demo app's permission policy.
 *
 * @packageDocumentation
 */
export { permissionModuleMycoPodPolicy as default } from './module';
export {
  MycoPodPermissionPolicy,
  BACKSTAGE_PERMISSION_PREFIXES,
} from './policy';
