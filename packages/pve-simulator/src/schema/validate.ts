import { PveFormatError, checkNamedCodeFormat, getHashFormat } from './formats';
import type { PveParamSpec, ValidatePveParametersOptions } from './types';

/**
 * Upper bounds (exclusive) of the `[n]` index of indexed parameters, as
 * expanded by qemu-server / pve-container (`$MAX_NETS` etc.). The official
 * schema dump collapses e.g. `net0`..`net31` into `net[n]`.
 */
const INDEX_LIMITS: Record<string, number> = {
  net: 32,
  ipconfig: 32,
  scsi: 31,
  virtio: 16,
  sata: 6,
  ide: 4,
  unused: 256,
  usb: 14,
  serial: 4,
  parallel: 3,
  hostpci: 16,
  numa: 8,
  virtiofs: 10,
  mp: 256,
  dev: 256,
};

const truthy = (v: unknown) => v === true || v === 1 || v === '1';

function add(errors: Record<string, string>, path: string, msg: string) {
  const key = path || '_root';
  errors[key] = errors[key] !== undefined ? `${errors[key]}\\n${msg}` : msg;
}

/** Perl's `is_number` from PVE::JSONSchema. */
function isNumber(v: string) {
  return /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/.test(v);
}

/** Translates a Perl regex (as found in the schema) to a JS RegExp anchored like `m/^$pattern$/`. */
const regexCache = new Map<string, RegExp>();
export function perlPattern(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (re) return re;
  let flags = '';
  let src = pattern.replace(/\(\?\^([a-z]*):/g, (_m, f: string) => {
    if (f.includes('i')) flags = 'i';
    return '(?:';
  });
  src = src.replace(/\{,(\d+)\}/g, '{0,$1}');
  re = new RegExp(`^(?:${src})$`, flags);
  regexCache.set(pattern, re);
  return re;
}

/** Finds the spec of a parameter name, resolving `name[n]` templates. */
export function lookupSpec(
  specs: Record<string, PveParamSpec>,
  name: string,
): PveParamSpec | undefined {
  if (Object.prototype.hasOwnProperty.call(specs, name)) return specs[name];
  const m = /^([a-z][a-z-_]*?)(\d+)$/i.exec(name);
  if (!m) return undefined;
  const tmpl = specs[`${m[1]}[n]`];
  if (!tmpl) return undefined;
  if (m[2].length > 1 && m[2].startsWith('0')) return undefined;
  const limit = INDEX_LIMITS[m[1]];
  if (limit !== undefined && Number(m[2]) >= limit) return undefined;
  return tmpl;
}

function describeRef(value: unknown): string | undefined {
  if (Array.isArray(value)) return 'ARRAY';
  if (typeof value === 'boolean') return 'JSON::PP::Boolean';
  if (value !== null && typeof value === 'object') return 'HASH';
  return undefined;
}

function scalarString(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

function checkType(
  path: string,
  type: string | undefined,
  value: unknown,
  errors: Record<string, string>,
): boolean {
  if (!type || type === 'any') return true;
  const ref = describeRef(value);
  if (type === 'null') {
    add(errors, path, `type check ('${type}') failed - value is not null`);
    return false;
  }
  if (type === 'array') {
    if (ref !== 'ARRAY') {
      add(errors, path, `type check ('${type}') failed`);
      return false;
    }
    return true;
  }
  if (type === 'object') {
    if (ref !== 'HASH') {
      add(errors, path, `type check ('${type}') failed`);
      return false;
    }
    return true;
  }
  if (ref) {
    if (type === 'boolean' && ref === 'JSON::PP::Boolean') return true;
    add(errors, path, `type check ('${type}') failed - got ${ref}`);
    return false;
  }
  const s = scalarString(value);
  if (type === 'boolean') {
    if (s === '1' || s === '0') return true;
    add(errors, path, `type check ('${type}') failed - got '${s}'`);
    return false;
  }
  if (type === 'integer') {
    if (!/^[+-]?\d+$/.test(s)) {
      add(errors, path, `type check ('${type}') failed - got '${s}'`);
      return false;
    }
    return true;
  }
  if (type === 'number') {
    if (!isNumber(s)) {
      add(errors, path, `type check ('${type}') failed - got '${s}'`);
      return false;
    }
    return true;
  }
  return true;
}

/**
 * PVE::JSONSchema::parse_property_string. Returns the parsed key/value map
 * or throws a {@link PveFormatError} whose text matches PVE's.
 */
export function parsePropertyString(
  format: Record<string, PveParamSpec> | string,
  data: string,
  path = '',
): Record<string, string> {
  const fmt = typeof format === 'string' ? getHashFormat(format) : format;
  if (!fmt) throw new PveFormatError(`unknown format: ${String(format)}\n`);
  const res: Record<string, string> = {};
  let defaultKey: string | undefined;
  for (const part of data.split(',')) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=([\s\S]+)$/.exec(part);
    if (kv) {
      let k = kv[1];
      let v = kv[2];
      if (res[k] !== undefined)
        throw new PveFormatError(
          `duplicate key in comma-separated list property: ${k}\n`,
        );
      let schema: PveParamSpec | undefined =
        Object.prototype.hasOwnProperty.call(fmt, k) ? fmt[k] : undefined;
      if (schema?.alias) {
        if (schema.keyAlias) {
          if (res[schema.keyAlias] !== undefined)
            throw new PveFormatError(
              `key alias '${schema.keyAlias}' is already defined\n`,
            );
          res[schema.keyAlias] = k;
        }
        k = schema.alias;
        schema = fmt[k];
        if (res[k] !== undefined)
          throw new PveFormatError(
            `key '${k}' is already defined (via alias)\n`,
          );
      }
      if (!schema)
        throw new PveFormatError(
          `invalid key in comma-separated list property: ${k}\n`,
        );
      if (schema.type === 'boolean') {
        if (/^(1|on|yes|true)$/i.test(v)) v = '1';
        else if (/^(0|off|no|false)$/i.test(v)) v = '0';
      }
      res[k] = v;
    } else if (!part.includes('=')) {
      if (defaultKey)
        throw new PveFormatError(
          `duplicate key in comma-separated list property: ${defaultKey}\n`,
        );
      for (const [key, s] of Object.entries(fmt)) {
        if (truthy(s.default_key)) {
          defaultKey = key;
          if (!res[defaultKey]) {
            res[defaultKey] = part;
            break;
          }
          throw new PveFormatError(
            `duplicate key in comma-separated list property: ${defaultKey}\n`,
          );
        }
      }
      if (!defaultKey)
        throw new PveFormatError(
          'value without key, but schema does not define a default key\n',
        );
    } else {
      throw new PveFormatError(
        'missing key in comma-separated list property\n',
      );
    }
  }
  const errors: Record<string, string> = {};
  checkObject(path, fmt, res, false, errors);
  if (Object.keys(errors).length > 0)
    throw new PveFormatError('format error\n', errors);
  return res;
}

function checkFormat(
  format: PveParamSpec['format'],
  value: string,
  path: string,
) {
  if (!format) return;
  if (typeof format === 'object') {
    parsePropertyString(format, value, path);
    return;
  }
  if (getHashFormat(format)) {
    parsePropertyString(format, value, path);
    return;
  }
  checkNamedCodeFormat(format, value);
}

function checkProp(
  value: unknown,
  schema: PveParamSpec,
  path: string,
  errors: Record<string, string>,
) {
  if (value === undefined || value === null) {
    if (schema.type === 'null') return;
    if (!truthy(schema.optional) && !schema.alias) {
      add(errors, path, 'property is missing and it is not optional');
    }
    return;
  }
  if (!checkType(path, schema.type, value, errors)) return;
  if (describeRef(value) === 'ARRAY' || describeRef(value) === 'HASH') return;
  const s = scalarString(value);

  if (schema.format) {
    try {
      checkFormat(schema.format, s, path);
    } catch (e) {
      const text =
        e instanceof PveFormatError ? e.toPveString() : `${String(e)}\n`;
      add(errors, path, `invalid format - ${text}`);
      return;
    }
  }
  if (schema.pattern && !perlPattern(schema.pattern).test(s)) {
    add(errors, path, 'value does not match the regex pattern');
    return;
  }
  if (
    schema.maxLength !== undefined &&
    [...s].length > Number(schema.maxLength)
  ) {
    add(errors, path, `value may only be ${schema.maxLength} characters long`);
    return;
  }
  if (
    schema.minLength !== undefined &&
    [...s].length < Number(schema.minLength)
  ) {
    add(
      errors,
      path,
      `value must be at least ${schema.minLength} characters long`,
    );
    return;
  }
  if (isNumber(s)) {
    if (schema.maximum !== undefined && Number(s) > Number(schema.maximum)) {
      add(errors, path, `value must have a maximum value of ${schema.maximum}`);
      return;
    }
    if (schema.minimum !== undefined && Number(s) < Number(schema.minimum)) {
      add(errors, path, `value must have a minimum value of ${schema.minimum}`);
      return;
    }
  }
  if (schema.enum && !schema.enum.includes(s)) {
    add(
      errors,
      path,
      `value '${s}' does not have a value in the enumeration '${schema.enum.join(
        ', ',
      )}'`,
    );
  }
}

function checkObject(
  path: string,
  specs: Record<string, PveParamSpec>,
  value: Record<string, unknown>,
  additionalProperties: boolean,
  errors: Record<string, string>,
) {
  for (const [k, spec] of Object.entries(specs)) {
    if (k.endsWith('[n]')) continue; // templates are always optional
    checkProp(value[k], spec, path ? `${path}.${k}` : k, errors);
  }
  for (const k of Object.keys(value)) {
    const newPath = path ? `${path}.${k}` : k;
    const spec = lookupSpec(specs, k);
    if (spec) {
      if (k !== lookupName(specs, k))
        checkProp(value[k], spec, newPath, errors);
      if (
        spec.requires &&
        (value[spec.requires] === undefined || value[spec.requires] === null)
      ) {
        add(
          errors,
          path ? `${path}.${spec.requires}` : spec.requires,
          `missing property - '${newPath}' requires this property`,
        );
      }
      continue;
    }
    if (!additionalProperties) {
      add(
        errors,
        newPath,
        'property is not defined in schema and the schema does not allow additional properties',
      );
    }
  }
}

function lookupName(specs: Record<string, PveParamSpec>, name: string) {
  return Object.prototype.hasOwnProperty.call(specs, name) ? name : undefined;
}

/**
 * Applies PVE's `$normalize_legacy_param_formats` (RESTHandler): a JSON array
 * given for a string parameter with a `*-list` format is joined with `,`.
 * Returns a new object.
 */
export function normalizePveParameters(
  specs: Record<string, PveParamSpec>,
  params: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  for (const [k, v] of Object.entries(params)) {
    const spec = Object.prototype.hasOwnProperty.call(specs, k)
      ? specs[k]
      : undefined;
    if (!spec || !v) continue;
    if (
      Array.isArray(v) &&
      spec.type === 'string' &&
      typeof spec.format === 'string' &&
      spec.format.endsWith('-list')
    ) {
      out[k] = v.join(',');
    } else if (!Array.isArray(v) && spec.type === 'array') {
      out[k] = [v];
    }
  }
  return out;
}

/**
 * Validates `params` against PVE-schema-shaped parameter `specs` the way
 * `PVE::JSONSchema::validate` does for API calls, and returns PVE's
 * per-parameter error messages (empty object = valid).
 *
 * Values may be strings (form/query encoded) or JSON values (JSON body):
 * booleans accept `1`/`0` and JSON `true`/`false`; integers accept decimal
 * strings and JSON numbers. Multiple errors for the same key are joined
 * with a literal `\n` (two characters), like PVE.
 *
 * @public
 */
export function validatePveParameters(
  specs: Record<string, PveParamSpec>,
  params: Record<string, unknown>,
  opts?: ValidatePveParametersOptions,
): Record<string, string> {
  const errors: Record<string, string> = {};
  const normalized = normalizePveParameters(specs, params);
  checkObject(
    '',
    specs,
    normalized,
    opts?.additionalProperties ?? false,
    errors,
  );
  return errors;
}
