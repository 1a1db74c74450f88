// The scaffolder field extensions' pickers, one file each.
export { clusterPickerField } from './ClusterPicker';
export { templateChoices, templatePickerField } from './TemplatePicker';
export { nodePickerField } from './NodePicker';
export { sizePickerField } from './SizePicker';
export { networkPickerField } from './NetworkPicker';
export { securityGroupsPickerField } from './SecurityGroupsPicker';
export { ipv4PickerField } from './Ipv4Picker';
