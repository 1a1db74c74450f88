import { useEffect } from 'react';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import TextField from '@material-ui/core/TextField';
import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import {
  type IpPoolChoice,
  cloudInitSchema,
  ipv4PoolSchema,
} from '@mycopod/plugin-proxmox-common';
import { NativeSelectField } from './FieldParts';
import { statusText, str, titleOf } from './pickerHelpers';
import { formValues, useProxmoxOptions } from './useProxmoxOptions';

const ipv4Schema = makeFieldSchema({
  output: z =>
    z.union([
      z.literal('dhcp'),
      z.object({ address: z.string(), gateway: z.string() }),
      z.object({ pool: z.string() }),
    ]),
});

type Ipv4Value = typeof ipv4Schema.TOutput;
type Mode = 'dhcp' | 'static' | 'pool';

function modeOf(value: Ipv4Value | undefined): Mode {
  if (!value || value === 'dhcp') return 'dhcp';
  return 'pool' in value ? 'pool' : 'static';
}

function networkKey(network: unknown): string | undefined {
  const n = network as { bridge?: unknown; vnet?: unknown } | undefined;
  if (typeof n?.bridge === 'string') return `bridge ${n.bridge}`;
  if (typeof n?.vnet === 'string') return `SDN vnet ${n.vnet}`;
  return undefined;
}

/** `lab-vmbr0 — 10.10.0.0/24, 48 of 50 free` (full pools say so). */
export function poolLabel(pool: IpPoolChoice, withNetwork: boolean): string {
  const where = withNetwork ? ` on ${networkKey(pool.network)}` : '';
  const free =
    pool.free > 0
      ? `${pool.free} of ${pool.size} free`
      : 'full: no free address';
  return `${pool.name}${where} — ${pool.cidr}, ${free}`;
}

function Ipv4Picker(props: typeof ipv4Schema.TProps) {
  const { formData, onChange, schema, rawErrors, idSchema, required } = props;
  const id = idSchema?.$id ?? 'proxmox-ipv4';
  const title = titleOf(schema, 'IPv4');
  const form = formValues(props.formContext);
  const state = useProxmoxOptions(str(form.cluster));
  const mode = modeOf(formData);
  const fixed =
    mode === 'static'
      ? (formData as { address: string; gateway: string })
      : { address: '', gateway: '' };
  const chosenPool = mode === 'pool' ? (formData as { pool: string }).pool : '';
  // the pools of the chosen network (all of them until one is chosen)
  const network = networkKey(form.network);
  const allPools = state.options?.ipPools ?? [];
  const pools = network
    ? allPools.filter(p => networkKey(p.network) === network)
    : allPools;
  const offerPools = allPools.length > 0 || mode === 'pool';
  useEffect(() => {
    if (formData === undefined) onChange('dhcp');
  }, [formData, onChange]);
  const onMode = (next: string) => {
    if (next === 'dhcp') onChange('dhcp');
    else if (next === 'static') onChange({ address: '', gateway: '' });
    else onChange({ pool: pools.find(p => p.free > 0)?.name ?? '' });
  };
  let poolHelp = 'Pools your group may use on the chosen network.';
  if (!network) poolHelp = 'Choose a network to see its pools.';
  else if (pools.length === 0) {
    poolHelp = `No IP pool on ${network} is open to your group.`;
  }
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
        value={mode}
        onChange={e => onMode(e.target.value)}
      >
        <FormControlLabel value="dhcp" control={<Radio />} label="DHCP" />
        <FormControlLabel
          value="static"
          control={<Radio />}
          label="Static address"
        />
        {offerPools ? (
          <FormControlLabel
            value="pool"
            control={<Radio />}
            label="From an IP pool"
          />
        ) : null}
      </RadioGroup>
      {mode === 'static' ? (
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
      {mode === 'pool' ? (
        <NativeSelectField
          id={`${id}-pool`}
          label="IP pool"
          value={chosenPool}
          placeholder="Choose an IP pool"
          choices={[
            ...pools.map(p => ({
              value: p.name,
              label: poolLabel(p, !network),
              disabled: p.free <= 0,
            })),
            // a pool chosen before (e.g. another network) stays visible
            ...(chosenPool && !pools.some(p => p.name === chosenPool)
              ? [
                  {
                    value: chosenPool,
                    label: `${chosenPool} (not offered here)`,
                  },
                ]
              : []),
          ]}
          onChange={v => onChange({ pool: v })}
          helperText={statusText(state, poolHelp)}
        />
      ) : null}
      <FormHelperText component="div">
        {/* rawErrors: the scaffolder's field template lists them already. */}
        DHCP, a fixed address with its prefix length and a gateway, or the next
        free address of an IP pool (taken when the request is approved).
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
    if ('pool' in value) {
      if (!value.pool) {
        validation.addError('choose an IP pool');
        return;
      }
      const parsed = ipv4PoolSchema.safeParse(value);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          validation.addError(issue.message);
        }
      }
      return;
    }
    const staticSchema = cloudInitSchema.shape.ipv4.options[1];
    const parsed = staticSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        validation.addError(issue.message);
      }
    }
  },
});
