import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';

/*
 * Scaffolder form fields, one extension each
 * (`scaffolder-form-field:proxmox/<name>`). They attach to the scaffolder's
 * form-field API on their own; the code loads when a form needs it.
 */

const pickers = () => import('./pickers');

export const clusterPickerExtension = FormFieldBlueprint.make({
  name: 'cluster-picker',
  params: { field: () => pickers().then(m => m.clusterPickerField) },
});

export const templatePickerExtension = FormFieldBlueprint.make({
  name: 'template-picker',
  params: { field: () => pickers().then(m => m.templatePickerField) },
});

export const nodePickerExtension = FormFieldBlueprint.make({
  name: 'node-picker',
  params: { field: () => pickers().then(m => m.nodePickerField) },
});

export const sizePickerExtension = FormFieldBlueprint.make({
  name: 'size-picker',
  params: { field: () => pickers().then(m => m.sizePickerField) },
});

export const networkPickerExtension = FormFieldBlueprint.make({
  name: 'network-picker',
  params: { field: () => pickers().then(m => m.networkPickerField) },
});

export const securityGroupsPickerExtension = FormFieldBlueprint.make({
  name: 'security-groups-picker',
  params: { field: () => pickers().then(m => m.securityGroupsPickerField) },
});

export const ipv4PickerExtension = FormFieldBlueprint.make({
  name: 'ipv4-picker',
  params: { field: () => pickers().then(m => m.ipv4PickerField) },
});

export const policyReviewExtension = FormFieldBlueprint.make({
  name: 'policy-review',
  params: {
    field: () => import('./PolicyReview').then(m => m.policyReviewField),
  },
});

/** The LLM-drafted plan as a diff to review, edit and submit. */
export const planReviewExtension = FormFieldBlueprint.make({
  name: 'plan-review',
  params: {
    field: () => import('./ProxmoxPlanReview').then(m => m.planReviewField),
  },
});

export const formFieldExtensions = [
  clusterPickerExtension,
  templatePickerExtension,
  nodePickerExtension,
  sizePickerExtension,
  networkPickerExtension,
  securityGroupsPickerExtension,
  ipv4PickerExtension,
  policyReviewExtension,
  planReviewExtension,
];
