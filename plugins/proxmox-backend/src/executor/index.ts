export { ProvisioningExecutor } from './ProvisioningExecutor';
export type { ProvisioningExecutorOptions } from './ProvisioningExecutor';
export { readExecutorConfig, DEFAULT_EXECUTOR_CONFIG } from './config';
export type { ExecutorConfig } from './config';
export type { PlacementPort, PlacementTemplate } from './types';
