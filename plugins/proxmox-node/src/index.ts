/**
 * Typed Proxmox VE API client (undici) and the Backstage service ref that
 * shares it between MycoPod backend packages. The only code in MycoPod that
 * speaks HTTP to Proxmox.
 *
 * @packageDocumentation
 */

export { ProxmoxClient, usableAddresses } from './ProxmoxClient';
export { ProxmoxApi } from './ProxmoxApi';
export type {
  AllocateVmidOptions,
  CallOptions,
  CloneDispatch,
  ProxmoxCallObservation,
  ProxmoxCallObserver,
  CloneResult,
  CloneToParams,
  CloneWithFreshVmidOptions,
  FindGuestOptions,
  FoundGuest,
  GuestAddress,
  ProxmoxClientOptions,
  TaskHelperOptions,
  TaskResult,
  VncConsole,
  VncConsoleTarget,
  WaitForTaskOptions,
  WaitOptions,
} from './ProxmoxClient';
export { RfbByteReader, RfbStreamError } from './rfbByteReader';
export {
  PVE_MESSAGES,
  classifyPveMessage,
  isPveMessage,
  matchPveMessages,
} from './pveMessages';
export type { PveMessage, PveMessageId } from './pveMessages';
export { retry } from './retry';
export type { RetryOptions, AttemptContext } from './retry';
export { poll } from './poll';
export type { PollOptions, PollContext } from './poll';
export {
  proxmoxClustersServiceRef,
  proxmoxClustersServiceFactory,
} from './service';
export type { ProxmoxClusters } from './service';
export {
  readProxmoxClustersConfig,
  parseProxmoxClusterConfig,
  describeCluster,
  proxmoxUiUrl,
} from './config';
export type {
  ProxmoxClusterConfig,
  ProxmoxClusterConfigInput,
  ProxmoxClusterInfo,
} from './config';
export {
  ProxmoxApiError,
  classifyHttpFailure,
  classifyNetworkFailure,
} from './errors';
export type {
  ProxmoxErrorKind,
  ProxmoxApiErrorInit,
  FailureClass,
} from './errors';
export { ENDPOINTS, buildRequest } from './endpoints';
export type {
  EndpointDef,
  EndpointId,
  EndpointInput,
  EndpointResult,
  HttpMethod,
  PreparedRequest,
} from './endpoints';
export {
  parseUpid,
  tryParseUpid,
  isTaskExitOk,
  taskWarningCount,
} from './upid';
export type { ParsedUpid } from './upid';
export { DEFAULT_RETRY_POLICY, computeBackoffDelay } from './backoff';
export type { RetryPolicy } from './backoff';
export { VmidClaims, KeyedSemaphore } from './vmidClaims';
export { createProxmoxPool } from './transport';
export {
  parsePropertyString,
  encodeSshKeys,
  decodeSshKeys,
  splitTags,
} from './wire';
export type { WireParams, WireValue } from './wire';
export type {
  PveClusterResource,
  PveClusterStatusItem,
  PveFirewallGroup,
  PveFirewallOptions,
  PveFirewallRule,
  PveGuestInterface,
  PveGuestResource,
  PveLxcListItem,
  PveNetworkInterface,
  PveNodeListItem,
  PveNodeResource,
  PveNodeStatus,
  PveNodeStorage,
  PvePool,
  PveQemuConfig,
  PveQemuListItem,
  PveQemuStatus,
  PveSdnVnet,
  PveSnapshot,
  PveStorageConfig,
  PveStorageResource,
  PveTaskListItem,
  PveTaskLog,
  PveTaskStatus,
  PveVersion,
} from './schemas';
