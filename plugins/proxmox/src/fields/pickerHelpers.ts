import type { ProxmoxOptions } from '@mycopod/plugin-proxmox-common';
import { proxmoxApiRef } from '../api';
import { optionsErrorText } from './FieldParts';

export const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Title of a field: the template's `title`, else a default. */
export function titleOf(
  schema: { title?: string } | undefined,
  fallback: string,
) {
  return schema?.title || fallback;
}

export function statusText(
  state: { loading: boolean; error?: unknown },
  ready: string,
): string {
  if (state.loading) return 'Loading live choices…';
  if (state.error) return optionsErrorText(state.error);
  return ready;
}

export async function optionsFor(
  apiHolder: { get: (ref: typeof proxmoxApiRef) => any },
  cluster: string | undefined,
): Promise<ProxmoxOptions | undefined> {
  const api = apiHolder.get(proxmoxApiRef);
  if (!api) return undefined;
  try {
    return await api.getOptions(cluster || undefined);
  } catch {
    return undefined; // the backend checks again on submit
  }
}
