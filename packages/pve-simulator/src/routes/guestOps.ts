/** Config mutation helpers shared by the qemu routes (vmconfig_apply_pending & friends). */
import { lookupSpec } from '../schema/validate';
import { LockTimeoutError, qemuLockFile } from '../state/locks';
import {
  CONFIG_SPECS,
  isCdrom,
  isCloudinit,
  isDriveKey,
  isHotpluggable,
  parseDrive,
} from '../state/qemu';
import {
  createDisks,
  findVolume,
  freeVolume,
  guestVolumes,
} from '../state/volumes';
import type { ClusterState, Guest } from '../state/types';
import { die } from '../http/errors';
import type { RouteCtx } from './types';

export function guestMissing(node: string, vmid: number) {
  return die(
    `Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`,
  );
}

/** PVE::QemuConfig->load_config on the URL node. */
export function loadGuest(ctx: RouteCtx): Guest {
  const vmid = Number(ctx.params.vmid);
  const node = String(ctx.params.node);
  const g = ctx.cluster.guests.get(vmid);
  if (!g || g.node !== node || g.type !== 'qemu')
    throw guestMissing(node, vmid);
  return g;
}

export function reloadGuest(
  cluster: ClusterState,
  node: string,
  vmid: number,
): Guest {
  const g = cluster.guests.get(vmid);
  if (!g || g.node !== node || g.type !== 'qemu')
    throw guestMissing(node, vmid);
  return g;
}

/** lock_config: flock with the configured timeout, PVE's error text on timeout (HTTP 500). */
export async function lockConfig(
  ctx: RouteCtx,
  vmid: number,
  timeoutMs?: number,
) {
  try {
    return await ctx.cluster.locks.acquire(
      `qemu-${vmid}`,
      timeoutMs ?? ctx.sim.timings.lockWaitMs,
      qemuLockFile(vmid),
    );
  } catch (e) {
    if (e instanceof LockTimeoutError) throw die(e.message);
    throw e;
  }
}

export function checkLock(g: Guest) {
  if (g.config.lock) throw die(`VM is locked (${g.config.lock})`);
}

/** Parameters of the config update API that are not VM config options. */
export const CONTROL_PARAMS: ReadonlySet<string> = new Set([
  'node',
  'vmid',
  'delete',
  'revert',
  'digest',
  'skiplock',
  'force',
  'background_delay',
]);

/** PVE::QemuServer::option_exists: a VM config option (not an API control parameter). */
export function optionExists(key: string) {
  return !!lookupSpec(CONFIG_SPECS, key) && !CONTROL_PARAMS.has(key);
}

function nextUnusedKey(cfg: Record<string, string>) {
  for (let i = 0; ; i++) if (!(`unused${i}` in cfg)) return `unused${i}`;
}

/** Removes an option from the current config, handling disks like PVE (unused / free). */
export function deleteOption(
  cluster: ClusterState,
  g: Guest,
  key: string,
  force: boolean,
) {
  const cfg = g.config;
  const value = cfg[key];
  if (value === undefined) return;
  if (isDriveKey(key)) {
    const d = parseDrive(value);
    const vol = findVolume(cluster, g.node, d.file);
    if (isCloudinit(d)) {
      if (vol) freeVolume(cluster, vol);
    } else if (!isCdrom(d) && vol) {
      if (force) freeVolume(cluster, vol);
      else cfg[nextUnusedKey(cfg)] = d.file;
    }
  } else if (/^unused\d+$/.test(key)) {
    const vol = findVolume(cluster, g.node, parseDrive(value).file);
    if (
      vol &&
      !guestVolumes(
        cluster,
        g.node,
        [...g.snapshots.values()].map(s => s.config),
      ).includes(vol)
    ) {
      freeVolume(cluster, vol);
    }
  }
  delete cfg[key];
}

/** Sets an option on the current config (allocating new disks). Throws with the error text. */
export function setOption(
  cluster: ClusterState,
  g: Guest,
  key: string,
  value: string,
) {
  const cfg = g.config;
  if (isDriveKey(key)) {
    const { values } = createDisks(
      cluster,
      g.node,
      g.vmid,
      { [key]: value },
      undefined,
      cfg,
    );
    const old = cfg[key];
    if (old !== undefined) {
      const od = parseDrive(old);
      const nd = parseDrive(values[key]);
      if (od.file !== nd.file) {
        const vol = findVolume(cluster, g.node, od.file);
        if (vol && isCloudinit(od)) freeVolume(cluster, vol);
        else if (vol && !isCdrom(od)) cfg[nextUnusedKey(cfg)] = od.file;
      }
    }
    cfg[key] = values[key];
    return;
  }
  cfg[key] = value;
}

export interface ApplyResult {
  errors: Record<string, string>;
  warnings: string[];
}

/**
 * Writes changes like update_vm_api: stopped VMs get them immediately, running
 * VMs get hot-pluggable ones immediately and the rest into `[PENDING]`.
 */
export function applyChanges(
  cluster: ClusterState,
  g: Guest,
  set: Record<string, string>,
  deletes: string[],
  force: boolean,
): ApplyResult {
  const res: ApplyResult = { errors: {}, warnings: [] };
  const running = g.status === 'running';
  for (const key of deletes) {
    if (g.config[key] === undefined && g.pending[key] === undefined) {
      res.warnings.push(
        `cannot delete '${key}' - not set in current configuration!`,
      );
      continue;
    }
    delete g.pending[key];
    if (
      running &&
      !isHotpluggable(key, g.config) &&
      g.config[key] !== undefined
    ) {
      g.pendingDelete.add(key);
      continue;
    }
    g.pendingDelete.delete(key);
    deleteOption(cluster, g, key, force);
  }
  for (const key of Object.keys(set).sort()) {
    const value = set[key];
    if (running && !isHotpluggable(key, g.config)) {
      if (g.config[key] === value) {
        delete g.pending[key];
      } else {
        g.pending[key] = value;
      }
      g.pendingDelete.delete(key);
      continue;
    }
    try {
      delete g.pending[key];
      g.pendingDelete.delete(key);
      setOption(cluster, g, key, value);
    } catch (e) {
      res.errors[key] = e instanceof Error ? e.message : String(e);
    }
  }
  return res;
}

/** vmconfig_apply_pending at start/stop/reboot. */
export function applyPending(cluster: ClusterState, g: Guest) {
  for (const key of g.pendingDelete) deleteOption(cluster, g, key, false);
  g.pendingDelete.clear();
  for (const [key, value] of Object.entries(g.pending)) {
    try {
      setOption(cluster, g, key, value);
    } catch {
      // keep going like PVE (errors are only warnings at this point)
    }
  }
  g.pending = {};
}

/** Validates ssh keys like PVE::Tools::validate_ssh_public_keys. */
export function validateSshKeys(urlencoded: string) {
  let text: string;
  try {
    text = decodeURIComponent(urlencoded);
  } catch {
    throw die('SSH public key validation error');
  }
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (!l || l.startsWith('#')) continue;
    const m =
      /^(?:\S+\s+)?((?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com))\s+([A-Za-z0-9+/]+={0,2})(\s.*)?$/.exec(
        l,
      );
    if (!m) throw die('SSH public key validation error');
  }
}
