import type { VmSpecInput } from './spec';

/**
 * The values of the "Virtual machine from a Proxmox template" form
 * (`templates/vm-from-template`), as the scaffolder collects them. The
 * template's step input maps them to a spec the same way as
 * {@link vmSpecFromForm}; the review field uses this function to check the
 * spec before the form is submitted.
 */
export interface VmFormValues {
  name?: string;
  cluster?: string;
  template?: string | number;
  node?: string;
  size?: {
    preset?: string;
    cores?: number;
    memoryMiB?: number;
    diskGiB?: number;
  };
  network?: { bridge: string } | { vnet: string };
  securityGroups?: string[];
  user?: string;
  sshKeys?: string[];
  ipv4?: 'dhcp' | { address: string; gateway: string } | { pool: string };
  owner?: string;
  leaseDays?: number;
  justification?: string;
  description?: string;
  tags?: string[];
}

/** Drops undefined, null and empty-string values (optional form fields). */
export function withoutEmpty<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).filter(
      ([, v]) => v !== undefined && v !== null && v !== '',
    ),
  ) as T;
}

/** The spec a filled-in form asks for (validate it with `vmSpecSchema`). */
export function vmSpecFromForm(form: VmFormValues): Partial<VmSpecInput> {
  return withoutEmpty({
    name: form.name,
    cluster: form.cluster,
    node: form.node,
    template: form.template,
    cores: form.size?.cores,
    memoryMiB: form.size?.memoryMiB,
    diskGiB: form.size?.diskGiB,
    network: form.network,
    securityGroups: form.securityGroups,
    cloudInit: withoutEmpty({
      user: form.user,
      sshKeys: form.sshKeys,
      ipv4: form.ipv4,
    }) as VmSpecInput['cloudInit'],
    owner: form.owner,
    leaseDays: form.leaseDays,
    justification: form.justification,
    description: form.description,
    tags: form.tags,
  }) as Partial<VmSpecInput>;
}
