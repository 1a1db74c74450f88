/**
 * Shared by every MycoPod package: the VM spec and request schemas (zod),
 * the request state machine, permissions, annotation keys and entity names.
 *
 * @packageDocumentation
 */

export * from './spec';
export * from './request';
export * from './stateMachine';
export * from './permissions';
export * from './catalog';
export * from './api';
export * from './options';
export * from './form';
export * from './conditions';
export * from './day2';
export * from './console';
export * from './plan';
