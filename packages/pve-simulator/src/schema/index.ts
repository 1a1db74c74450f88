export type {
  PveParamSpec,
  PveParamType,
  PveSchemaMethodInfo,
  PveSchemaNode,
  ValidatePveParametersOptions,
} from './types';
export {
  validatePveParameters,
  normalizePveParameters,
  parsePropertyString,
  lookupSpec,
} from './validate';
export { findPveSchemaMethod, listPveSchemaMethods } from './apidata';
export { PveFormatError, parseSize, formatSize, splitList } from './formats';
