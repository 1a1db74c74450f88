import { useEffect, useState } from 'react';
import Checkbox from '@material-ui/core/Checkbox';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormGroup from '@material-ui/core/FormGroup';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import TextField from '@material-ui/core/TextField';
import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import {
  cloudInitSchema,
  type ProxmoxOptions,
} from '@mycopod/plugin-proxmox-common';
import { errorMessages, proxmoxApiRef } from '../api';
import { formatMiB } from '../components/common/format';
import {
  NativeSelectField,
  optionsErrorText,
  type SelectChoice,
} from './FieldParts';
import {
  type CatalogTemplatesState,
  useCatalogTemplates,
} from './useCatalogTemplates';
import {
  formValues,
  type OptionsState,
  useProxmoxOptions,
} from './useProxmoxOptions';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Title of a field: the template's `title`, else a default. */
function titleOf(schema: { title?: string } | undefined, fallback: string) {
  return schema?.title || fallback;
}

function statusText(
  state: { loading: boolean; error?: unknown },
  ready: string,
): string {
  if (state.loading) return 'Loading live choices…';
  if (state.error) return optionsErrorText(state.error);
  return ready;
}

async function optionsFor(
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

// ---------------------------------------------------------------- cluster

const clusterSchema = makeFieldSchema({ output: z => z.string() });

function ClusterPicker(props: typeof clusterSchema.TProps) {
  const { formData, onChange, schema, required, rawErrors, idSchema } = props;
  const state = useProxmoxOptions(undefined);
  const clusters = state.options?.clusters ?? [];
  const fallback = clusters.find(c => c.default)?.name ?? clusters[0]?.name;
  useEffect(() => {
    if (!formData && fallback) onChange(fallback);
  }, [formData, fallback, onChange]);
  return (
    <NativeSelectField
      id={idSchema?.$id ?? 'proxmox-cluster'}
      label={titleOf(schema, 'Cluster')}
      value={formData ?? ''}
      required={required}
      placeholder={clusters.length ? undefined : 'Loading…'}
      choices={clusters.map(c => ({
        value: c.name,
        label: c.default ? `${c.name} (default)` : c.name,
      }))}
      onChange={v => onChange(v || undefined!)}
      errors={rawErrors}
      helperText={statusText(
        state,
        schema?.description ?? 'The Proxmox VE cluster to create the VM on.',
      )}
    />
  );
}

export const clusterPickerField = createFormField({
  name: 'ProxmoxClusterPicker',
  component: ClusterPicker,
  schema: clusterSchema,
});

// ---------------------------------------------------------------- template

const templateSchema = makeFieldSchema({ output: z => z.string() });

type LiveTemplate = ProxmoxOptions['templates'][number];

const liveLabel = (t: LiveTemplate, title = t.name) =>
  `${title} — ${t.diskGiB} GiB disk (VMID ${t.vmid} on ${t.node})`;

/**
 * The choices of the template picker: the cluster's `vm-template` entities
 * of the catalog, each with its disk size from the live options, valued by
 * the Proxmox template name the spec needs. A catalog template policy does
 * not allow is shown disabled; a live template the catalog has not ingested
 * yet is added. Without catalog templates (not ingested yet, or the catalog
 * cannot be read) the live templates alone.
 */
export function templateChoices(
  catalog: CatalogTemplatesState,
  live: OptionsState,
  cluster: string | undefined,
): { choices: SelectChoice[]; source: 'catalog' | 'live'; note: string } {
  const liveTemplates = live.options?.templates ?? [];
  const liveKnown = !!live.options && !live.loading && !live.error;
  const where = cluster ?? 'the cluster';
  if (!catalog.templates?.length) {
    let note = '';
    if (catalog.error) {
      note = `Could not read the catalog's templates (${errorMessages(
        catalog.error,
      ).join('; ')}): these are the live templates of Proxmox.`;
    } else if (catalog.templates) {
      note = `The catalog lists no templates of ${where} yet (it ingests them within minutes): these are the live templates of Proxmox.`;
    }
    return {
      choices: liveTemplates.map(t => ({ value: t.name, label: liveLabel(t) })),
      source: 'live',
      note,
    };
  }
  const inCatalog = new Set(catalog.templates.map(t => t.vmid));
  const choices: SelectChoice[] = catalog.templates.map(c => {
    const t = liveTemplates.find(x => x.vmid === c.vmid);
    if (t) return { value: t.name, label: liveLabel(t, c.title) };
    if (liveKnown) {
      return {
        value: `vmid:${c.vmid}`,
        disabled: true,
        label: `${c.title} — not allowed by policy here (VMID ${c.vmid})`,
      };
    }
    return {
      value: c.name,
      label: `${c.title} (VMID ${c.vmid}${c.node ? ` on ${c.node}` : ''})`,
    };
  });
  for (const t of liveTemplates) {
    if (!inCatalog.has(t.vmid)) {
      choices.push({
        value: t.name,
        label: `${liveLabel(t)} — not in the catalog yet`,
      });
    }
  }
  return {
    choices,
    source: 'catalog',
    note: `Templates of ${where} from the catalog, disk sizes from Proxmox.`,
  };
}

function TemplatePicker(props: typeof templateSchema.TProps) {
  const { formData, onChange, schema, required, rawErrors, idSchema } = props;
  const formCluster = str(formValues(props.formContext).cluster);
  const state = useProxmoxOptions(formCluster);
  // Without a chosen cluster the options are those of the default cluster.
  const cluster = formCluster ?? state.options?.cluster;
  const catalog = useCatalogTemplates(cluster);
  const { choices, source, note } = templateChoices(catalog, state, cluster);
  const templates = state.options?.templates ?? [];
  const chosen = templates.find(t => t.name === formData);
  const entity = catalog.templates?.find(c => c.vmid === chosen?.vmid);
  const loading = state.loading || catalog.loading;
  let text: string;
  if (loading) text = 'Loading the templates…';
  else if (state.error) text = optionsErrorText(state.error);
  else if (chosen) {
    text = `Disk of ${chosen.name}: ${
      chosen.diskGiB
    } GiB, the smallest disk the VM can have.${
      entity ? ` Catalog entity: ${entity.entityName}.` : ''
    }`;
  } else text = schema?.description ?? 'Templates policy allows.';
  return (
    <div data-testid="template-picker" data-source={source}>
      <NativeSelectField
        id={idSchema?.$id ?? 'proxmox-template'}
        label={titleOf(schema, 'Template')}
        value={formData ?? ''}
        required={required}
        placeholder={
          loading && !choices.length ? 'Loading…' : 'Choose a template'
        }
        choices={choices}
        onChange={v => onChange(v || undefined!)}
        errors={rawErrors}
        helperText={
          <>
            <span>{text}</span>
            {note && !loading ? (
              <span data-testid="template-picker-source"> {note}</span>
            ) : null}
          </>
        }
      />
    </div>
  );
}

export const templatePickerField = createFormField({
  name: 'ProxmoxTemplatePicker',
  component: TemplatePicker,
  schema: templateSchema,
  validation: async (value, validation, { apiHolder, formData }) => {
    if (!value) return;
    const options = await optionsFor(apiHolder, str(formData?.cluster));
    if (
      options &&
      !options.templates.some(t => t.name === value || String(t.vmid) === value)
    ) {
      validation.addError(`${value} is not a template policy allows here`);
    }
  },
});

// ---------------------------------------------------------------- node

const nodeSchema = makeFieldSchema({ output: z => z.string().optional() });

function NodePicker(props: typeof nodeSchema.TProps) {
  const { formData, onChange, schema, rawErrors, idSchema } = props;
  const cluster = str(formValues(props.formContext).cluster);
  const state = useProxmoxOptions(cluster);
  const nodes = state.options?.nodes ?? [];
  return (
    <NativeSelectField
      id={idSchema?.$id ?? 'proxmox-node'}
      label={titleOf(schema, 'Node')}
      value={formData ?? ''}
      placeholder="Automatic placement"
      choices={nodes.map(n => ({
        value: n.name,
        disabled: !n.online,
        label: n.online
          ? `${n.name} — ${n.freeCores} free cores, ${formatMiB(
              n.freeMemoryMiB,
            )} free of ${formatMiB(n.maxMemoryMiB)}`
          : `${n.name} — offline`,
      }))}
      onChange={v => onChange(v ? v : undefined)}
      errors={rawErrors}
      helperText={statusText(
        state,
        'Automatic placement picks the online node with the most free memory.',
      )}
    />
  );
}

export const nodePickerField = createFormField({
  name: 'ProxmoxNodePicker',
  component: NodePicker,
  schema: nodeSchema,
});

// ---------------------------------------------------------------- size

const sizeSchema = makeFieldSchema({
  output: z =>
    z.object({
      preset: z.string().optional(),
      cores: z.number().int(),
      memoryMiB: z.number().int(),
      diskGiB: z.number().int(),
    }),
});
type Size = typeof sizeSchema.TOutput;

function templateDisk(
  options: ProxmoxOptions | undefined,
  template: unknown,
): number {
  const t = options?.templates.find(
    x => x.name === template || x.vmid === Number(template),
  );
  return t?.diskGiB ?? 1;
}

function SizePicker(props: typeof sizeSchema.TProps) {
  const { formData, onChange, schema, rawErrors, idSchema, required } = props;
  const values = formValues(props.formContext);
  const state = useProxmoxOptions(str(values.cluster));
  const options = state.options;
  const minDisk = templateDisk(options, values.template);
  const limits = options?.limits;
  const presets = options?.sizePresets ?? [];
  const id = idSchema?.$id ?? 'proxmox-size';
  const [selected, setSelected] = useState<string>(
    formData?.preset ?? (formData ? 'custom' : ''),
  );

  const choosePreset = (name: string) => {
    setSelected(name);
    const p = presets.find(x => x.name === name);
    if (p) {
      onChange({
        preset: p.name,
        cores: p.cores,
        memoryMiB: p.memoryMiB,
        diskGiB: Math.max(p.diskGiB, minDisk),
      });
    } else {
      onChange({
        cores: formData?.cores ?? 1,
        memoryMiB: formData?.memoryMiB ?? 2048,
        diskGiB: Math.max(formData?.diskGiB ?? minDisk, minDisk),
      });
    }
  };
  const setCustomValue = (
    key: 'cores' | 'memoryMiB' | 'diskGiB',
    raw: string,
  ) => {
    const n = raw === '' ? NaN : Number(raw);
    onChange({
      cores: formData?.cores ?? 1,
      memoryMiB: formData?.memoryMiB ?? 2048,
      diskGiB: formData?.diskGiB ?? minDisk,
      [key]: Number.isFinite(n) ? n : undefined,
    } as Size);
  };

  // A chosen preset follows a template with a larger disk.
  useEffect(() => {
    if (formData && formData.diskGiB < minDisk && formData.preset) {
      onChange({ ...formData, diskGiB: minDisk });
    }
  }, [formData, minDisk, onChange]);

  const title = titleOf(schema, 'Size');
  return (
    <FormControl
      component="fieldset"
      fullWidth
      margin="normal"
      required={required}
      error={!!rawErrors?.length}
    >
      <FormLabel component="legend">{title}</FormLabel>
      <RadioGroup
        aria-label={title}
        name={id}
        value={selected}
        onChange={e => choosePreset(e.target.value)}
      >
        {presets.map(p => (
          <FormControlLabel
            key={p.name}
            value={p.name}
            control={<Radio />}
            label={`${p.name} — ${p.cores} vCPU, ${formatMiB(
              p.memoryMiB,
            )} memory, ${Math.max(p.diskGiB, minDisk)} GiB disk`}
          />
        ))}
        <FormControlLabel value="custom" control={<Radio />} label="Custom" />
      </RadioGroup>
      {selected === 'custom' ? (
        <div style={{ display: 'flex', gap: 16, flexWrap: 'wrap' }}>
          <TextField
            id={`${id}-cores`}
            label="Cores"
            type="number"
            value={formData?.cores ?? ''}
            onChange={e => setCustomValue('cores', e.target.value)}
            inputProps={{ min: 1, max: limits?.maxCores, step: 1 }}
          />
          <TextField
            id={`${id}-memory`}
            label="Memory (MiB)"
            type="number"
            value={formData?.memoryMiB ?? ''}
            onChange={e => setCustomValue('memoryMiB', e.target.value)}
            inputProps={{ min: 512, max: limits?.maxMemoryMiB, step: 512 }}
          />
          <TextField
            id={`${id}-disk`}
            label="Disk (GiB)"
            type="number"
            value={formData?.diskGiB ?? ''}
            onChange={e => setCustomValue('diskGiB', e.target.value)}
            inputProps={{ min: minDisk, max: limits?.maxDiskGiB, step: 1 }}
          />
        </div>
      ) : null}
      <FormHelperText component="div" data-testid="size-limits">
        {/* rawErrors: the scaffolder's field template lists them already. */}
        {statusText(
          state,
          limits
            ? `Policy allows up to ${limits.maxCores} vCPU, ${formatMiB(
                limits.maxMemoryMiB,
              )} memory and ${
                limits.maxDiskGiB
              } GiB disk per VM; the disk is at least the template's ${minDisk} GiB.`
            : '',
        )}
      </FormHelperText>
    </FormControl>
  );
}

export const sizePickerField = createFormField({
  name: 'ProxmoxSizePicker',
  component: SizePicker,
  schema: sizeSchema,
  validation: async (value, validation, { apiHolder, formData }) => {
    if (!value) return;
    const int = (n: unknown) => typeof n === 'number' && Number.isInteger(n);
    if (!int(value.cores) || value.cores < 1) {
      validation.addError('Cores must be a whole number of at least 1');
    }
    if (!int(value.memoryMiB) || value.memoryMiB < 512) {
      validation.addError('Memory must be at least 512 MiB');
    }
    if (!int(value.diskGiB) || value.diskGiB < 1) {
      validation.addError('Disk must be a whole number of GiB');
    }
    const options = await optionsFor(apiHolder, str(formData?.cluster));
    if (!options) return;
    const { maxCores, maxMemoryMiB, maxDiskGiB } = options.limits;
    if (value.cores > maxCores) {
      validation.addError(`Policy allows at most ${maxCores} vCPU`);
    }
    if (value.memoryMiB > maxMemoryMiB) {
      validation.addError(
        `Policy allows at most ${formatMiB(maxMemoryMiB)} memory`,
      );
    }
    if (value.diskGiB > maxDiskGiB) {
      validation.addError(`Policy allows at most ${maxDiskGiB} GiB disk`);
    }
    const minDisk = templateDisk(options, formData?.template);
    if (value.diskGiB < minDisk) {
      validation.addError(
        `The disk cannot be smaller than the template's ${minDisk} GiB`,
      );
    }
  },
});

// ---------------------------------------------------------------- network

const networkFieldSchema = makeFieldSchema({
  output: z =>
    z.union([z.object({ bridge: z.string() }), z.object({ vnet: z.string() })]),
});

function NetworkPicker(props: typeof networkFieldSchema.TProps) {
  const { formData, onChange, schema, rawErrors, idSchema, required } = props;
  const state = useProxmoxOptions(str(formValues(props.formContext).cluster));
  const bridges = state.options?.bridges ?? [];
  const vnets = state.options?.vnets ?? [];
  let value = '';
  if (formData && 'bridge' in formData) value = `bridge:${formData.bridge}`;
  else if (formData && 'vnet' in formData) value = `vnet:${formData.vnet}`;
  return (
    <NativeSelectField
      id={idSchema?.$id ?? 'proxmox-network'}
      label={titleOf(schema, 'Network')}
      value={value}
      required={required}
      placeholder="Choose a network"
      choices={[
        ...bridges.map(b => ({
          value: `bridge:${b}`,
          label: `${b} (bridge)`,
          group: 'Bridges',
        })),
        ...vnets.map(v => ({
          value: `vnet:${v}`,
          label: `${v} (SDN vnet)`,
          group: 'SDN vnets',
        })),
      ]}
      onChange={v => {
        const [kind, name] = [
          v.slice(0, v.indexOf(':')),
          v.slice(v.indexOf(':') + 1),
        ];
        if (kind === 'bridge') onChange({ bridge: name });
        else if (kind === 'vnet') onChange({ vnet: name });
        else onChange(undefined!);
      }}
      errors={rawErrors}
      helperText={statusText(
        state,
        'Networks policy allows your group to use.',
      )}
    />
  );
}

export const networkPickerField = createFormField({
  name: 'ProxmoxNetworkPicker',
  component: NetworkPicker,
  schema: networkFieldSchema,
});

// ---------------------------------------------------------------- security groups

const groupsSchema = makeFieldSchema({ output: z => z.array(z.string()) });

function SecurityGroupsPicker(props: typeof groupsSchema.TProps) {
  const { formData, onChange, schema, rawErrors, required } = props;
  const state = useProxmoxOptions(str(formValues(props.formContext).cluster));
  const groups = state.options?.securityGroups ?? [];
  const chosen = new Set(formData ?? []);
  const title = titleOf(schema, 'Security groups');
  const toggle = (g: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(g);
    else next.delete(g);
    onChange(groups.filter(x => next.has(x)));
  };
  return (
    <FormControl
      component="fieldset"
      fullWidth
      margin="normal"
      required={required}
      error={!!rawErrors?.length}
    >
      <FormLabel component="legend">{title}</FormLabel>
      <FormGroup row aria-label={title}>
        {groups.map(g => (
          <FormControlLabel
            key={g}
            label={g}
            control={
              <Checkbox
                checked={chosen.has(g)}
                onChange={e => toggle(g, e.target.checked)}
                name={g}
              />
            }
          />
        ))}
      </FormGroup>
      <FormHelperText component="div">
        {/* rawErrors: the scaffolder's field template lists them already. */}
        {statusText(
          state,
          groups.length
            ? 'Proxmox firewall security groups policy allows; at most 10.'
            : 'No security group is allowed for your group.',
        )}
      </FormHelperText>
    </FormControl>
  );
}

export const securityGroupsPickerField = createFormField({
  name: 'ProxmoxSecurityGroupsPicker',
  component: SecurityGroupsPicker,
  schema: groupsSchema,
  validation: (value, validation) => {
    if ((value?.length ?? 0) > 10) {
      validation.addError('At most 10 security groups');
    }
  },
});

// ---------------------------------------------------------------- IPv4

const ipv4Schema = makeFieldSchema({
  output: z =>
    z.union([
      z.literal('dhcp'),
      z.object({ address: z.string(), gateway: z.string() }),
    ]),
});

function Ipv4Picker(props: typeof ipv4Schema.TProps) {
  const { formData, onChange, schema, rawErrors, idSchema, required } = props;
  const id = idSchema?.$id ?? 'proxmox-ipv4';
  const title = titleOf(schema, 'IPv4');
  const isStatic = !!formData && formData !== 'dhcp';
  const fixed = isStatic
    ? (formData as { address: string; gateway: string })
    : { address: '', gateway: '' };
  useEffect(() => {
    if (formData === undefined) onChange('dhcp');
  }, [formData, onChange]);
  return (
    <FormControl
      component="fieldset"
      fullWidth
      margin="normal"
      required={required}
      error={!!rawErrors?.length}
    >
      <FormLabel component="legend">{title}</FormLabel>
      <RadioGroup
        row
        aria-label={title}
        name={id}
        value={isStatic ? 'static' : 'dhcp'}
        onChange={e =>
          onChange(
            e.target.value === 'dhcp' ? 'dhcp' : { address: '', gateway: '' },
          )
        }
      >
        <FormControlLabel value="dhcp" control={<Radio />} label="DHCP" />
        <FormControlLabel
          value="static"
          control={<Radio />}
          label="Static address"
        />
      </RadioGroup>
      {isStatic ? (
        <div style={{ display: 'flex', gap: 16, flexWrap: 'wrap' }}>
          <TextField
            id={`${id}-address`}
            label="Address (CIDR)"
            placeholder="10.0.0.5/24"
            value={fixed.address}
            onChange={e =>
              onChange({ ...fixed, address: e.target.value.trim() })
            }
          />
          <TextField
            id={`${id}-gateway`}
            label="Gateway"
            placeholder="10.0.0.1"
            value={fixed.gateway}
            onChange={e =>
              onChange({ ...fixed, gateway: e.target.value.trim() })
            }
          />
        </div>
      ) : null}
      <FormHelperText component="div">
        {/* rawErrors: the scaffolder's field template lists them already. */}
        DHCP, or a fixed address with its prefix length and a gateway.
      </FormHelperText>
    </FormControl>
  );
}

export const ipv4PickerField = createFormField({
  name: 'ProxmoxIpv4Picker',
  component: Ipv4Picker,
  schema: ipv4Schema,
  validation: (value, validation) => {
    if (value === undefined || value === 'dhcp') return;
    const staticSchema = cloudInitSchema.shape.ipv4.options[1];
    const parsed = staticSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        validation.addError(issue.message);
      }
    }
  },
});
