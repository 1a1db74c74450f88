import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { NativeSelectField } from './FieldParts';
import { statusText, str, titleOf } from './pickerHelpers';
import { formValues, useProxmoxOptions } from './useProxmoxOptions';

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
