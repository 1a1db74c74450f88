import { useEffect, useState } from 'react';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import TextField from '@material-ui/core/TextField';
import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import type { ProxmoxOptions } from '@mycopod/plugin-proxmox-common';
import { formatMiB } from '../components/common/format';
import { optionsFor, statusText, str, titleOf } from './pickerHelpers';
import { formValues, useProxmoxOptions } from './useProxmoxOptions';

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

/** The inputs of a custom size; the disk's minimum is the template's. */
const SIZE_INPUTS = [
  {
    key: 'cores',
    idSuffix: 'cores',
    label: 'Cores',
    min: 1,
    max: 'maxCores',
    step: 1,
  },
  {
    key: 'memoryMiB',
    idSuffix: 'memory',
    label: 'Memory (MiB)',
    min: 512,
    max: 'maxMemoryMiB',
    step: 512,
  },
  {
    key: 'diskGiB',
    idSuffix: 'disk',
    label: 'Disk (GiB)',
    min: 1,
    max: 'maxDiskGiB',
    step: 1,
  },
] as const;

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
          {SIZE_INPUTS.map(f => (
            <TextField
              key={f.key}
              id={`${id}-${f.idSuffix}`}
              label={f.label}
              type="number"
              value={formData?.[f.key] ?? ''}
              onChange={e => setCustomValue(f.key, e.target.value)}
              inputProps={{
                min: f.key === 'diskGiB' ? minDisk : f.min,
                max: limits?.[f.max],
                step: f.step,
              }}
            />
          ))}
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
