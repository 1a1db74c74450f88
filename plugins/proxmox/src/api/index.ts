export * from './ProxmoxApi';
export * from './ProxmoxApiError';
export * from './ProxmoxClient';
