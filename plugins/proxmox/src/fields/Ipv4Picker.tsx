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
import { cloudInitSchema } from '@mycopod/plugin-proxmox-common';
import { titleOf } from './pickerHelpers';

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
