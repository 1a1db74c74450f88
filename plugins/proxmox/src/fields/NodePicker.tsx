import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { formatMiB } from '../components/common/format';
import { NativeSelectField } from './FieldParts';
import { statusText, str, titleOf } from './pickerHelpers';
import { formValues, useProxmoxOptions } from './useProxmoxOptions';

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
