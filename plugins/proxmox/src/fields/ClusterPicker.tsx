import { useEffect } from 'react';
import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { NativeSelectField } from './FieldParts';
import { statusText, titleOf } from './pickerHelpers';
import { useProxmoxOptions } from './useProxmoxOptions';

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
