import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import type { ProxmoxOptions } from '@mycopod/plugin-proxmox-common';
import { errorMessages } from '../api';
import {
  NativeSelectField,
  optionsErrorText,
  type SelectChoice,
} from './FieldParts';
import { optionsFor, str, titleOf } from './pickerHelpers';
import {
  type CatalogTemplatesState,
  useCatalogTemplates,
} from './useCatalogTemplates';
import {
  formValues,
  type OptionsState,
  useProxmoxOptions,
} from './useProxmoxOptions';

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
