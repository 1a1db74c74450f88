import type { RunningSimulator } from '@mycopod/pve-simulator';

/**
 * The `proxmox.clusters` config of a backend for the simulator's clusters:
 * its token and CA, local-lvm and vmbr0 by default; `extra` is merged into
 * each cluster's entry.
 */
export function simulatorClusterConfig(
  sim: RunningSimulator,
  extra: Record<string, unknown> = {},
) {
  return sim.clusters.map(c => ({
    name: c.name,
    url: c.url,
    tokenId: sim.token.tokenId,
    tokenSecret: sim.token.secret,
    caCert: sim.caCertPem,
    defaultStorage: 'local-lvm',
    defaultBridge: 'vmbr0',
    ...extra,
  }));
}

/** A call to the proxmox plugin's API, the body parsed when it is JSON. */
export async function proxmoxApi(
  baseUrl: string,
  token: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/api/proxmox${url}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}
