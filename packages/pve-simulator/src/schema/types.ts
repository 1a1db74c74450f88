/** Value of `type` in the PVE schema. @public */
export type PveParamType =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'null'
  | 'object'
  | 'array'
  | 'any';

/**
 * A parameter (or property-string key) specification in the same shape as the
 * Proxmox VE API schema (`apidata.js` / `PVE::JSONSchema`).
 *
 * Booleans in the official schema are written as `0`/`1`; `true`/`false` are
 * accepted too. Property-string parameters (e.g. `net[n]`, `scsi[n]`, `agent`)
 * carry `format` as an object mapping sub-keys to their own specs, which may
 * use `default_key`, `alias` and `keyAlias` like the PVE schema does.
 *
 * @public
 */
export interface PveParamSpec {
  /** (typed loosely so specs parsed from the schema JSON can be passed as they are) */
  type?: PveParamType | (string & {});
  format?: string | Record<string, PveParamSpec>;
  enum?: ReadonlyArray<string>;
  optional?: number | boolean;
  minimum?: number | string;
  maximum?: number | string;
  pattern?: string;
  maxLength?: number;
  minLength?: number;
  default?: unknown;
  /** Name of another property that must be present when this one is. */
  requires?: string;
  description?: string;
  typetext?: string;
  format_description?: string;
  /** Property-string keys only: this key is the implicit key of a value without `key=`. */
  default_key?: number | boolean;
  /** Property-string keys only: this key is another name for `alias`. */
  alias?: string;
  /** Property-string keys only: the used key name is stored under `keyAlias` (e.g. net model). */
  keyAlias?: string;
  /** other schema attributes (renderer, verbose_description, …) are ignored */
  [attribute: string]: unknown;
}

/** Options for {@link validatePveParameters}. @public */
export interface ValidatePveParametersOptions {
  /**
   * Whether parameters not declared in `specs` are allowed. PVE API methods
   * all use `additionalProperties: 0`, so the default is `false`.
   */
  additionalProperties?: boolean;
}

/** The `info` of one method of one path in the official schema tree. @public */
export interface PveSchemaMethodInfo {
  name?: string;
  method?: string;
  description?: string;
  parameters?: {
    additionalProperties?: 0 | 1 | boolean;
    properties?: Record<string, PveParamSpec>;
  };
  returns?: unknown;
  permissions?: unknown;
  protected?: 0 | 1;
  proxyto?: string;
  allowtoken?: 0 | 1;
  [key: string]: unknown;
}

/** A node of the official schema tree (`apidata-pve8.4.json`). @public */
export interface PveSchemaNode {
  path: string;
  text?: string;
  leaf?: 0 | 1;
  info?: Record<string, PveSchemaMethodInfo>;
  children?: PveSchemaNode[];
}
