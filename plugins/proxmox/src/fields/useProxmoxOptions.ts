import { useEffect, useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import type { ProxmoxOptions } from '@mycopod/plugin-proxmox-common';
import { proxmoxApiRef } from '../api';

export interface OptionsState {
  options?: ProxmoxOptions;
  loading: boolean;
  error?: unknown;
}

/**
 * Live choices of `GET /options` for a cluster (the default cluster when
 * none is given). The client caches them per cluster, so every picker of a
 * form shares one call.
 */
export function useProxmoxOptions(
  cluster: string | undefined,
  options: { skip?: boolean } = {},
): OptionsState {
  const api = useApi(proxmoxApiRef);
  const [state, setState] = useState<OptionsState>({ loading: !options.skip });
  useEffect(() => {
    if (options.skip) {
      setState({ loading: false });
      return undefined;
    }
    let alive = true;
    setState(s => ({ options: s.options, loading: true }));
    api.getOptions(cluster || undefined).then(
      o => alive && setState({ options: o, loading: false }),
      e => alive && setState({ loading: false, error: e }),
    );
    return () => {
      alive = false;
    };
  }, [api, cluster, options.skip]);
  return state;
}

/** The whole form's values, as the scaffolder passes them to each field. */
export function formValues(formContext: unknown): Record<string, any> {
  const data = (formContext as { formData?: unknown } | undefined)?.formData;
  return data && typeof data === 'object' ? (data as Record<string, any>) : {};
}
